/*
 * Builders for the common HCS / HCN documents, written over the generated
 * typed structs (borrowed pointers, stack objects) and the generic encoder.
 * Each mirrors what hcsshim sends for the same intent:
 *   WCOW container       hcsoci createWindowsContainerDocument (+ v2 Argon wrapper)
 *   Hyper-V container    the same Container inside HostedSystem
 *   LCOW UVM             uvm.MakeLCOWDoc / makeLCOWVMGSDoc (KernelDirect / UEFI)
 *   WCOW UVM             uvm prepareConfigDoc
 *   SCSI / VPMem / VSMB / Plan9 / NIC   uvm Add* hot-add requests
 *   HCN network / endpoint / namespace / query   hcn package (SchemaVersion 2.0,
 *   struct-valued Dns / Health / MacPool always present, as Go emits them)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema_internal.h"

static hcs_result missing(const char *what, const char *opt)
{
    return hcsi_err(HCS_ERR_INVALIDARG, "%s: %s is required", what, opt);
}

static const char *const scsi_guids[4] = {
    "df6d0690-79e5-55b6-a5ec-c1e2f77f580a",
    "0110f83b-de10-5172-a266-78bca56bf50a",
    "b5d2d8d4-3a75-51bf-945b-3444dc6b8579",
    "305891a9-b251-5dfe-91a2-c25d9212275b",
};

const char *hcs_schema_scsi_controller_guid(unsigned index)
{
    return index < 4 ? scsi_guids[index] : NULL;
}

static void version21(hcs_s2_Version *v)
{
    memset(v, 0, sizeof *v);
    HCSI_SETV(v->Major, 2);
    HCSI_SETV(v->Minor, 1);
}

/* ------------------------------------------------------------ WCOW container */

/* Fills c (and what it points at, from the bag) for a Windows container. */
static hcs_result fill_container(hcsi_doc_arena *b, const hcs_schema_wcow_container_options *o, hcs_s2_Container *c,
                                 const char *what)
{
    hcs_s2_GuestOs *gos;
    hcs_s2_Storage *st;
    hcs_s2_Layer *layers;
    size_t i;
    if (!o)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: no options", what);
    if (o->version != HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_VERSION)
        return hcsi_check_version(o->version, HCS_SCHEMA_WCOW_CONTAINER_OPTIONS_VERSION,
                                  "hcs_schema_wcow_container_options");
    if (!o->layers || !o->layer_count)
        return missing(what, "layers");
    if (!o->scratch_path)
        return missing(what, "scratch_path");
    if (o->mount_count && !o->mounts)
        return missing(what, "mounts");
    memset(c, 0, sizeof *c);
    if (o->hostname) {
        gos = (hcs_s2_GuestOs *)hcsi_doc_alloc(b, 1, sizeof *gos);
        if (!gos)
            return hcsi_err_oom();
        gos->HostName = (char *)o->hostname;
        c->GuestOs = gos;
    }
    st = (hcs_s2_Storage *)hcsi_doc_alloc(b, 1, sizeof *st);
    layers = (hcs_s2_Layer *)hcsi_doc_alloc(b, o->layer_count, sizeof *layers);
    if (!st || !layers)
        return hcsi_err_oom();
    for (i = 0; i < o->layer_count; i++) {
        if (!o->layers[i].id || !o->layers[i].path)
            return hcsi_err(HCS_ERR_INVALIDARG, "%s: layers[%zu] needs an id and a path", what, i);
        layers[i].Id = (char *)o->layers[i].id;
        layers[i].Path = (char *)o->layers[i].path;
    }
    st->Layers.items = layers;
    st->Layers.n = o->layer_count;
    st->Path = (char *)o->scratch_path;
    c->Storage = st;
    if (o->mount_count) {
        hcs_s2_MappedDirectory *md = (hcs_s2_MappedDirectory *)hcsi_doc_alloc(b, o->mount_count, sizeof *md);
        if (!md)
            return hcsi_err_oom();
        for (i = 0; i < o->mount_count; i++) {
            if (!o->mounts[i].host_path || !o->mounts[i].container_path)
                return hcsi_err(HCS_ERR_INVALIDARG, "%s: mounts[%zu] needs host_path and container_path", what, i);
            md[i].HostPath = (char *)o->mounts[i].host_path;
            md[i].ContainerPath = (char *)o->mounts[i].container_path;
            if (o->mounts[i].read_only)
                HCSI_SETV(md[i].ReadOnly, 1);
        }
        c->MappedDirectories.items = md;
        c->MappedDirectories.n = o->mount_count;
    }
    if (o->memory_mb) {
        hcs_s2_Container_Memory *m = (hcs_s2_Container_Memory *)hcsi_doc_alloc(b, 1, sizeof *m);
        if (!m)
            return hcsi_err_oom();
        HCSI_SETV(m->SizeInMB, o->memory_mb);
        c->Memory = m;
    }
    if (o->processor_count) {
        hcs_s2_Container_Processor *p = (hcs_s2_Container_Processor *)hcsi_doc_alloc(b, 1, sizeof *p);
        if (!p)
            return hcsi_err_oom();
        HCSI_SETV(p->Count, o->processor_count);
        c->Processor = p;
    }
    if (o->network_namespace) {
        hcs_s2_Networking *n = (hcs_s2_Networking *)hcsi_doc_alloc(b, 1, sizeof *n);
        if (!n)
            return hcsi_err_oom();
        n->Namespace = (char *)o->network_namespace;
        c->Networking = n;
    }
    if (!o->no_wait_to_kill_registry) {
        /* hcsshim always sets WaitToKillServiceTimeout so that services get
         * the whole shutdown window. */
        hcs_s2_RegistryChanges *rc = (hcs_s2_RegistryChanges *)hcsi_doc_alloc(b, 1, sizeof *rc);
        hcs_s2_RegistryValue *rv = (hcs_s2_RegistryValue *)hcsi_doc_alloc(b, 1, sizeof *rv);
        hcs_s2_RegistryKey *rk = (hcs_s2_RegistryKey *)hcsi_doc_alloc(b, 1, sizeof *rk);
        if (!rc || !rv || !rk)
            return hcsi_err_oom();
        HCSI_SETE(rk->Hive, HCS_S2_RegistryHive_System);
        rk->Name = "ControlSet001\\Control";
        rv->Key = rk;
        rv->Name = "WaitToKillServiceTimeout";
        HCSI_SETE(rv->Type, HCS_S2_RegistryValueType_String);
        rv->StringValue = "2147483647";
        rc->AddValues.items = rv;
        rc->AddValues.n = 1;
        c->RegistryChanges = rc;
    }
    return HCS_S_OK;
}

/* A WCOW container document, or (hosted) a Hyper-V container's: the same
 * Container inside a HostedSystem of hosting_system_id. */
static hcs_result build_container(const char *what, const hcs_schema_wcow_container_options *opts,
                                  int hosted, const char *hosting_system_id, char **json)
{
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ComputeSystem cs;
    hcs_s2_HostedSystem hs;
    hcs_s2_Version v;
    hcs_s2_Container c;
    hcs_result r;
    if (!json)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: no output", what);
    *json = NULL;
    if (hosted && !hosting_system_id)
        return missing(what, "hosting_system_id");
    r = fill_container(&b, opts, &c, what);
    if (HCS_FAILED(r)) {
        hcsi_doc_free(&b);
        return r;
    }
    memset(&cs, 0, sizeof cs);
    version21(&v);
    cs.Owner = (char *)(opts->owner ? opts->owner : "libhcs");
    cs.SchemaVersion = &v;
    if (hosted) {
        memset(&hs, 0, sizeof hs);
        hs.SchemaVersion = &v;
        hs.Container = &c;
        cs.HostingSystemId = (char *)hosting_system_id;
        cs.HostedSystem = hcsi_doc_encode(&b, HCS_SCHEMA_S2_HostedSystem, &hs, &r);
    } else {
        cs.Container = &c;
    }
    HCSI_SETV(cs.ShouldTerminateOnLastHandleClosed, 1);
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ComputeSystem, &cs, json);
}

hcs_result hcs_schema_build_wcow_container(const hcs_schema_wcow_container_options *opts, char **json)
{
    return build_container("WCOW container", opts, 0, NULL, json);
}

hcs_result hcs_schema_build_hyperv_container(const hcs_schema_wcow_container_options *opts,
                                             const char *hosting_system_id, char **json)
{
    return build_container("Hyper-V container", opts, 1, hosting_system_id, json);
}

/* ------------------------------------------------------------ UVMs */

/* The parts both utility VM documents have, linked the way hcsshim links
 * them (the Chipset's boot source and the Devices are filled per OS). */
typedef struct vm_doc {
    hcs_s2_ComputeSystem cs;
    hcs_s2_Version v;
    hcs_s2_VirtualMachine vm;
    hcs_s2_Chipset chip;
    hcs_s2_Uefi uefi;
    hcs_s2_UefiBootEntry boot;
    hcs_s2_Topology topo;
    hcs_s2_VirtualMachine_Memory mem;
    hcs_s2_VirtualMachine_Processor proc;
    hcs_s2_Devices dev;
    hcs_s2_VirtualMachine_HvSocket hvs;
    hcs_s2_HvSocketSystemConfig hvcfg;
} vm_doc;

static void vm_doc_init(vm_doc *d, const char *owner, uint32_t memory_mb, uint32_t cpus,
                        int physically_backed)
{
    memset(d, 0, sizeof *d);
    version21(&d->v);
    HCSI_SETV(d->mem.SizeInMB, memory_mb ? memory_mb : 1024);
    if (!physically_backed)
        HCSI_SETV(d->mem.AllowOvercommit, 1);
    HCSI_SETV(d->proc.Count, cpus);
    d->topo.Memory = &d->mem;
    d->topo.Processor = &d->proc;
    /* only SYSTEM and Administrators may bind hvsockets (hcsshim) */
    d->hvcfg.DefaultBindSecurityDescriptor = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";
    d->hvs.HvSocketConfig = &d->hvcfg;
    d->dev.HvSocket = &d->hvs;
    HCSI_SETV(d->vm.StopOnReset, 1);
    d->vm.Chipset = &d->chip;
    d->vm.ComputeTopology = &d->topo;
    d->vm.Devices = &d->dev;
    d->cs.Owner = (char *)(owner ? owner : "libhcs");
    d->cs.SchemaVersion = &d->v;
    d->cs.VirtualMachine = &d->vm;
    HCSI_SETV(d->cs.ShouldTerminateOnLastHandleClosed, 1);
}

/* ------------------------------------------------------------ LCOW UVM */

static char *join_path(hcsi_doc_arena *b, const char *dir, const char *file)
{
    size_t n = strlen(dir);
    const char *sep = (n && (dir[n - 1] == '\\' || dir[n - 1] == '/')) ? "" : "\\";
    return hcsi_doc_keep(b, hcsi_asprintf("%s%s%s", dir, sep, file));
}

hcs_result hcs_schema_build_lcow_uvm(const hcs_schema_lcow_uvm_options *o, char **json)
{
    static const char what[] = "LCOW UVM";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    vm_doc d;
    hcs_s2_LinuxKernelDirect lkd;
    hcs_s2_Scsi *scsi;
    char **scsi_keys;
    hcs_s2_VirtualPMemController pmem;
    hcs_s2_VirtualPMemDevice rootdev;
    char *rootkey[1] = {"0"};
    hcs_s2_Plan9 p9;
    uint32_t cpus, nscsi, i;
    int32_t npmem;
    char *cmdline;
    hcs_result r;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_LCOW_UVM_OPTIONS_VERSION, "hcs_schema_lcow_uvm_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->boot_dir)
        return missing(what, "boot_dir");
    cpus = o->processor_count ? o->processor_count : 2;
    nscsi = o->scsi_controllers ? o->scsi_controllers : 1;
    if (nscsi > 4)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: scsi_controllers %u out of range (1..4)", what, (unsigned)nscsi);
    npmem = o->vpmem_count == 0 ? 64 : o->vpmem_count;
    if (npmem > 128 || npmem < -1)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: vpmem_count %d out of range (-1..128)", what, (int)npmem);
    if (o->physically_backed)
        npmem = -1; /* hcsshim: VPMem is not supported with physically backed memory */
    if (o->rootfs_vhd && npmem < 0)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: rootfs_vhd needs VPMem", what);

    /* The kernel command line, exactly as hcsshim assembles it. */
    cmdline = hcsi_doc_keep(&b, hcsi_asprintf(
        "%s initcall_blacklist=virtio_vsock_init 8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus=%u%s%s "
        "brd.rd_nr=0 pmtmr=0 -- -e 1 /bin/vsockexec -e 109 /bin/gcs -v4 -log-format json -loglevel %s",
        o->rootfs_vhd ? "root=/dev/pmem0 ro rootwait init=/init" : "", (unsigned)cpus,
        o->kernel_args ? " " : "", o->kernel_args ? o->kernel_args : "",
        o->gcs_log_level ? o->gcs_log_level : "info"));
    if (!cmdline)
        return hcsi_err_oom();

    vm_doc_init(&d, o->owner, o->memory_mb, cpus, o->physically_backed);
    memset(&lkd, 0, sizeof lkd);
    memset(&pmem, 0, sizeof pmem);
    memset(&rootdev, 0, sizeof rootdev);
    memset(&p9, 0, sizeof p9);

    if (o->uefi_boot) {
        HCSI_SETE(d.boot.DeviceType, HCS_S2_UefiBootDevice_VmbFs);
        d.boot.DevicePath = hcsi_doc_keep(&b, hcsi_asprintf("\\%s", o->kernel_file ? o->kernel_file : "kernel"));
        d.boot.VmbFsRootPath = (char *)o->boot_dir;
        d.boot.OptionalData = cmdline;
        d.uefi.BootThis = &d.boot;
        d.chip.Uefi = &d.uefi;
    } else {
        lkd.KernelFilePath = join_path(&b, o->boot_dir, o->kernel_file ? o->kernel_file : "kernel");
        if (!o->rootfs_vhd)
            lkd.InitRdPath = join_path(&b, o->boot_dir, o->initrd_file ? o->initrd_file : "initrd.img");
        lkd.KernelCmdLine = cmdline;
        d.chip.LinuxKernelDirect = &lkd;
    }

    scsi = (hcs_s2_Scsi *)hcsi_doc_alloc(&b, nscsi, sizeof *scsi);
    scsi_keys = (char **)hcsi_doc_alloc(&b, nscsi, sizeof *scsi_keys);
    if (!scsi || !scsi_keys) {
        hcsi_doc_free(&b);
        return hcsi_err_oom();
    }
    for (i = 0; i < nscsi; i++)
        scsi_keys[i] = (char *)scsi_guids[i];
    d.dev.Scsi.keys = scsi_keys;
    d.dev.Scsi.values = scsi;
    d.dev.Scsi.n = nscsi;
    if (npmem > 0) {
        HCSI_SETV(pmem.MaximumCount, (uint8_t)npmem);
        HCSI_SETV(pmem.MaximumSizeBytes, o->vpmem_max_size ? o->vpmem_max_size : 4294967296ull);
        if (o->rootfs_vhd) {
            rootdev.HostPath = join_path(&b, o->boot_dir, o->rootfs_vhd);
            HCSI_SETV(rootdev.ReadOnly, 1);
            HCSI_SETE(rootdev.ImageFormat, HCS_S2_VirtualPMemImageFormat_Vhd1);
            pmem.Devices.keys = rootkey;
            pmem.Devices.values = &rootdev;
            pmem.Devices.n = 1;
        }
        d.dev.VirtualPMem = &pmem;
    }
    if (!o->no_plan9)
        d.dev.Plan9 = &p9;
    return hcsi_doc_finish(&b, HCS_S_OK, HCS_SCHEMA_S2_ComputeSystem, &d.cs, json);
}

/* ------------------------------------------------------------ WCOW UVM */

static void vsmb_options(hcs_s2_VirtualSmbShareOptions *op, int read_only, int no_direct_map)
{
    memset(op, 0, sizeof *op);
    if (no_direct_map)
        HCSI_SETV(op->NoDirectmap, 1);
    if (read_only) {
        HCSI_SETV(op->ShareRead, 1);
        HCSI_SETV(op->CacheIo, 1);
        HCSI_SETV(op->ReadOnly, 1);
        HCSI_SETV(op->PseudoOplocks, 1);
    }
}

hcs_result hcs_schema_build_wcow_uvm(const hcs_schema_wcow_uvm_options *o, char **json)
{
    static const char what[] = "WCOW UVM";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    vm_doc d;
    hcs_s2_Scsi scsi;
    char *scsi_key[1];
    hcs_s2_Attachment att;
    char *att_key[1] = {"0"};
    hcs_s2_VirtualSmb vsmb;
    hcs_s2_VirtualSmbShare share;
    hcs_s2_VirtualSmbShareOptions sopt;
    hcs_result r;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_WCOW_UVM_OPTIONS_VERSION, "hcs_schema_wcow_uvm_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->uvm_folder)
        return missing(what, "uvm_folder");
    if (!o->scratch_vhdx)
        return missing(what, "scratch_vhdx");
    vm_doc_init(&d, o->owner, o->memory_mb, o->processor_count ? o->processor_count : 2,
                o->physically_backed);
    memset(&scsi, 0, sizeof scsi);
    memset(&att, 0, sizeof att);
    memset(&vsmb, 0, sizeof vsmb);
    memset(&share, 0, sizeof share);

    d.boot.DevicePath = "\\EFI\\Microsoft\\Boot\\bootmgfw.efi";
    HCSI_SETE(d.boot.DeviceType, HCS_S2_UefiBootDevice_VmbFs);
    d.uefi.BootThis = &d.boot;
    d.chip.Uefi = &d.uefi;
    if (!o->physically_backed)
        HCSI_SETV(d.mem.EnableHotHint, 1); /* not compatible with physical backing */

    HCSI_SETE(att.Type, HCS_S2_AttachmentType_VirtualDisk);
    att.Path = (char *)o->scratch_vhdx;
    scsi.Attachments.keys = att_key;
    scsi.Attachments.values = &att;
    scsi.Attachments.n = 1;
    scsi_key[0] = (char *)scsi_guids[0];
    d.dev.Scsi.keys = scsi_key;
    d.dev.Scsi.values = &scsi;
    d.dev.Scsi.n = 1;
    vsmb_options(&sopt, 1, o->physically_backed);
    HCSI_SETV(sopt.TakeBackupPrivilege, 1);
    share.Name = "os";
    share.Path = join_path(&b, o->uvm_folder, "UtilityVM\\Files");
    share.Options = &sopt;
    vsmb.Shares.items = &share;
    vsmb.Shares.n = 1;
    HCSI_SETV(vsmb.DirectFileMappingInMB, 1024);
    d.dev.VirtualSmb = &vsmb;
    return hcsi_doc_finish(&b, HCS_S_OK, HCS_SCHEMA_S2_ComputeSystem, &d.cs, json);
}

/* ------------------------------------------------------------ hot-add */

static int s2_request(hcs_schema_request r)
{
    return r == HCS_SCHEMA_REQUEST_REMOVE ? HCS_S2_ModifyRequestType_Remove : HCS_S2_ModifyRequestType_Add;
}

static int gs_request(hcs_schema_request r)
{
    return r == HCS_SCHEMA_REQUEST_REMOVE ? HCS_GS_RequestType_Remove : HCS_GS_RequestType_Add;
}

/* GuestRequest {RequestType, ResourceType, Settings} as raw JSON. */
static char *guest_request(hcsi_doc_arena *b, hcs_schema_request req, int resource_type, hcs_schema_type_id stype,
                           const void *settings, hcs_result *r)
{
    hcs_gs_ModificationRequest g;
    memset(&g, 0, sizeof g);
    HCSI_SETE(g.RequestType, gs_request(req));
    HCSI_SETE(g.ResourceType, resource_type);
    if (settings) {
        g.Settings = hcsi_doc_encode(b, stype, settings, r);
        if (!g.Settings)
            return NULL;
    }
    return hcsi_doc_encode(b, HCS_SCHEMA_GS_ModificationRequest, &g, r);
}

hcs_result hcs_schema_build_scsi(const hcs_schema_scsi_options *o, char **json)
{
    static const char what[] = "SCSI request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_s2_Attachment att;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_SCSI_OPTIONS_VERSION, "hcs_schema_scsi_options", json);
    if (HCS_FAILED(r))
        return r;
    if (o->controller > 3)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: controller %u out of range (0..3)", what, o->controller);
    if (o->request == HCS_SCHEMA_REQUEST_ADD && !o->host_path)
        return missing(what, "host_path");
    memset(&m, 0, sizeof m);
    memset(&att, 0, sizeof att);
    m.ResourcePath = hcsi_doc_keep(&b, hcsi_asprintf("VirtualMachine/Devices/Scsi/%s/Attachments/%lu",
                                                scsi_guids[o->controller], (unsigned long)o->lun));
    HCSI_SETE(m.RequestType, s2_request(o->request));
    if (o->request == HCS_SCHEMA_REQUEST_ADD) {
        HCSI_SETE(att.Type, o->passthru ? HCS_S2_AttachmentType_PassThru : HCS_S2_AttachmentType_VirtualDisk);
        att.Path = (char *)o->host_path;
        if (o->read_only)
            HCSI_SETV(att.ReadOnly, 1);
        m.Settings = hcsi_doc_encode(&b, HCS_SCHEMA_S2_Attachment, &att, &r);
    }
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}

hcs_result hcs_schema_build_scsi_guest(const hcs_schema_scsi_guest_options *o, char **json)
{
    static const char what[] = "SCSI guest request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_gs_LCOWMappedVirtualDisk l;
    hcs_gs_WCOWMappedVirtualDisk w;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_SCSI_GUEST_OPTIONS_VERSION, "hcs_schema_scsi_guest_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->mount_path && !o->container_path)
        return missing(what, "mount_path (Linux guest) or container_path (Windows guest)");
    if (o->controller > 3)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: controller %u out of range (0..3)", what, o->controller);
    if (o->container_path && o->controller != 0)
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: Windows guests mount from controller 0 only", what);
    memset(&m, 0, sizeof m);
    memset(&l, 0, sizeof l);
    memset(&w, 0, sizeof w);
    if (o->container_path) {
        w.ContainerPath = (char *)o->container_path;
        HCSI_SETV(w.Lun, o->lun);
        m.GuestRequest = guest_request(&b, o->request, HCS_GS_ResourceType_MappedVirtualDisk,
                                       HCS_SCHEMA_GS_WCOWMappedVirtualDisk, &w, &r);
    } else {
        l.MountPath = (char *)o->mount_path;
        /* hcsshim's omitempty drops LUN 0 and controller 0 */
        if (o->lun)
            HCSI_SETV(l.Lun, o->lun);
        if (o->controller)
            HCSI_SETV(l.Controller, (uint8_t)o->controller);
        if (o->read_only)
            HCSI_SETV(l.ReadOnly, 1);
        if (o->option_count) {
            l.Options.items = (char **)o->options;
            l.Options.n = o->option_count;
        }
        m.GuestRequest = guest_request(&b, o->request, HCS_GS_ResourceType_MappedVirtualDisk,
                                       HCS_SCHEMA_GS_LCOWMappedVirtualDisk, &l, &r);
    }
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}

hcs_result hcs_schema_build_vpmem(const hcs_schema_vpmem_options *o, char **json)
{
    static const char what[] = "VPMem request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_s2_VirtualPMemDevice d;
    hcs_gs_LCOWMappedVPMemDevice g;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_VPMEM_OPTIONS_VERSION, "hcs_schema_vpmem_options", json);
    if (HCS_FAILED(r))
        return r;
    if (o->request == HCS_SCHEMA_REQUEST_ADD && !o->host_path)
        return missing(what, "host_path");
    memset(&m, 0, sizeof m);
    memset(&d, 0, sizeof d);
    memset(&g, 0, sizeof g);
    m.ResourcePath = hcsi_doc_keep(&b, hcsi_asprintf("VirtualMachine/Devices/VirtualPMem/Devices/%u", (unsigned)o->device));
    HCSI_SETE(m.RequestType, s2_request(o->request));
    if (o->request == HCS_SCHEMA_REQUEST_ADD) {
        d.HostPath = (char *)o->host_path;
        HCSI_SETV(d.ReadOnly, 1);
        HCSI_SETE(d.ImageFormat, HCS_S2_VirtualPMemImageFormat_Vhd1);
        m.Settings = hcsi_doc_encode(&b, HCS_SCHEMA_S2_VirtualPMemDevice, &d, &r);
    }
    if (o->mount_path) {
        if (o->device)
            HCSI_SETV(g.DeviceNumber, o->device); /* omitempty drops device 0 */
        g.MountPath = (char *)o->mount_path;
        m.GuestRequest = guest_request(&b, o->request, HCS_GS_ResourceType_VPMemDevice,
                                       HCS_SCHEMA_GS_LCOWMappedVPMemDevice, &g, &r);
    }
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}

hcs_result hcs_schema_build_vsmb(const hcs_schema_vsmb_options *o, char **json)
{
    static const char what[] = "VSMB request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_s2_VirtualSmbShare s;
    hcs_s2_VirtualSmbShareOptions op;
    hcs_result r = hcsi_build_begin(what, o, HCS_SCHEMA_VSMB_OPTIONS_VERSION, "hcs_schema_vsmb_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->name)
        return missing(what, "name");
    if (o->request == HCS_SCHEMA_REQUEST_ADD && !o->host_path)
        return missing(what, "host_path");
    memset(&m, 0, sizeof m);
    memset(&s, 0, sizeof s);
    m.ResourcePath = "VirtualMachine/Devices/VirtualSmb/Shares";
    HCSI_SETE(m.RequestType, s2_request(o->request));
    s.Name = (char *)o->name;
    if (o->request == HCS_SCHEMA_REQUEST_ADD) {
        vsmb_options(&op, o->read_only, o->no_direct_map);
        if (o->allowed_file_count) {
            /* single-file shares, as hcsshim's AddVSMB */
            HCSI_SETV(op.RestrictFileAccess, 1);
            HCSI_SETV(op.SingleFileMapping, 1);
            s.AllowedFiles.items = (char **)o->allowed_files;
            s.AllowedFiles.n = o->allowed_file_count;
        }
        s.Path = (char *)o->host_path;
        s.Options = &op;
    }
    m.Settings = hcsi_doc_encode(&b, HCS_SCHEMA_S2_VirtualSmbShare, &s, &r);
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}

hcs_result hcs_schema_build_plan9(const hcs_schema_plan9_options *o, char **json)
{
    static const char what[] = "Plan9 request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_s2_Plan9Share s;
    hcs_gs_LCOWMappedDirectory g;
    hcs_result r = HCS_S_OK;
    int32_t flags = 0x4; /* LinuxMetadata */
    r = hcsi_build_begin(what, o, HCS_SCHEMA_PLAN9_OPTIONS_VERSION, "hcs_schema_plan9_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->name)
        return missing(what, "name");
    if (!o->mount_path)
        return missing(what, "mount_path");
    if (o->request == HCS_SCHEMA_REQUEST_ADD && !o->host_path)
        return missing(what, "host_path");
    memset(&m, 0, sizeof m);
    memset(&s, 0, sizeof s);
    memset(&g, 0, sizeof g);
    m.ResourcePath = "VirtualMachine/Devices/Plan9/Shares";
    HCSI_SETE(m.RequestType, s2_request(o->request));
    s.Name = (char *)o->name;
    s.AccessName = (char *)o->name;
    if (o->request == HCS_SCHEMA_REQUEST_ADD) {
        if (o->read_only)
            flags |= 0x1;
        if (o->restrict_file_access)
            flags |= 0x80;
        s.Path = (char *)o->host_path;
        HCSI_SETV(s.Port, 564);
        HCSI_SETV(s.Flags, flags);
        if (o->allowed_file_count) {
            s.AllowedFiles.items = (char **)o->allowed_files;
            s.AllowedFiles.n = o->allowed_file_count;
        }
    }
    m.Settings = hcsi_doc_encode(&b, HCS_SCHEMA_S2_Plan9Share, &s, &r);
    g.MountPath = (char *)o->mount_path;
    g.ShareName = (char *)o->name;
    HCSI_SETV(g.Port, 564);
    if (o->read_only)
        HCSI_SETV(g.ReadOnly, 1);
    m.GuestRequest = guest_request(&b, o->request, HCS_GS_ResourceType_MappedDirectory,
                                   HCS_SCHEMA_GS_LCOWMappedDirectory, &g, &r);
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}

hcs_result hcs_schema_build_nic(const hcs_schema_nic_options *o, char **json)
{
    static const char what[] = "network adapter request";
    hcsi_doc_arena b = HCSI_DOC_ARENA_INIT;
    hcs_s2_ModifySettingRequest m;
    hcs_s2_NetworkAdapter na;
    hcs_gs_LCOWNetworkAdapter g;
    hcs_result r = HCS_S_OK;
    size_t i;
    r = hcsi_build_begin(what, o, HCS_SCHEMA_NIC_OPTIONS_VERSION, "hcs_schema_nic_options", json);
    if (HCS_FAILED(r))
        return r;
    if (!o->endpoint_id)
        return missing(what, "endpoint_id");
    if (o->request == HCS_SCHEMA_REQUEST_ADD && !o->mac_address)
        return missing(what, "mac_address");
    if ((o->ip_config_count && !o->ip_configs) || (o->route_count && !o->routes))
        return hcsi_err(HCS_ERR_INVALIDARG, "%s: a count without its array", what);
    memset(&m, 0, sizeof m);
    memset(&na, 0, sizeof na);
    memset(&g, 0, sizeof g);
    m.ResourcePath = hcsi_doc_keep(&b, hcsi_asprintf("VirtualMachine/Devices/NetworkAdapters/%s", o->endpoint_id));
    HCSI_SETE(m.RequestType, s2_request(o->request));
    na.EndpointId = (char *)o->endpoint_id;
    na.MacAddress = (char *)o->mac_address;
    m.Settings = hcsi_doc_encode(&b, HCS_SCHEMA_S2_NetworkAdapter, &na, &r);
    if (o->namespace_id) {
        g.NamespaceID = (char *)o->namespace_id;
        g.ID = (char *)o->endpoint_id;
        g.MacAddress = (char *)o->mac_address;
        g.DNSSuffix = (char *)o->dns_suffix;
        g.DNSServerList = (char *)o->dns_servers;
        if (o->ip_config_count) {
            hcs_gs_LCOWIPConfig *ip = (hcs_gs_LCOWIPConfig *)hcsi_doc_alloc(&b, o->ip_config_count, sizeof *ip);
            if (!ip)
                return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json); /* oom */
            for (i = 0; i < o->ip_config_count; i++) {
                ip[i].IPAddress = (char *)o->ip_configs[i].address;
                if (o->ip_configs[i].prefix_length)
                    HCSI_SETV(ip[i].PrefixLength, o->ip_configs[i].prefix_length);
            }
            g.IPConfigs.items = ip;
            g.IPConfigs.n = o->ip_config_count;
        }
        if (o->route_count) {
            hcs_gs_LCOWRoute *rt = (hcs_gs_LCOWRoute *)hcsi_doc_alloc(&b, o->route_count, sizeof *rt);
            if (!rt)
                return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json); /* oom */
            for (i = 0; i < o->route_count; i++) {
                rt[i].NextHop = (char *)o->routes[i].next_hop;
                rt[i].DestinationPrefix = (char *)o->routes[i].destination_prefix;
                if (o->routes[i].metric)
                    HCSI_SETV(rt[i].Metric, o->routes[i].metric);
            }
            g.Routes.items = rt;
            g.Routes.n = o->route_count;
        }
        m.GuestRequest = guest_request(&b, o->request, HCS_GS_ResourceType_Network,
                                       HCS_SCHEMA_GS_LCOWNetworkAdapter, &g, &r);
    }
    return hcsi_doc_finish(&b, r, HCS_SCHEMA_S2_ModifySettingRequest, &m, json);
}
