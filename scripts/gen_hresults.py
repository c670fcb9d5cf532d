#!/usr/bin/env python3
"""Generate include/hcs/gen/hresults.h and src/base/gen/hresult_table.inc.

Source of truth: ../shared/docs/hcs-api.md section 6 (HCS_E_*, ERROR_VMCOMPUTE_*,
HCN_E_*/GCN_E_*) plus the common Win32/COM codes listed in COMMON below.
Run from the repo root:  python3 scripts/gen_hresults.py ../shared/docs/hcs-api.md
The outputs are committed; CI re-runs this and fails when they differ.
"""
import re
import sys

# (SDK name, value, description) of the common COM / Win32 HRESULTs we decode.
COMMON = [
    ("S_OK", 0x00000000, "The operation completed successfully"),
    ("S_FALSE", 0x00000001, "The operation completed with a false/negative result"),
    ("E_NOTIMPL", 0x80004001, "Not implemented"),
    ("E_NOINTERFACE", 0x80004002, "No such interface supported"),
    ("E_POINTER", 0x80004003, "Invalid pointer"),
    ("E_ABORT", 0x80004004, "Operation aborted"),
    ("E_FAIL", 0x80004005, "Unspecified error"),
    ("E_UNEXPECTED", 0x8000FFFF, "Catastrophic failure"),
    ("E_ACCESSDENIED", 0x80070005, "General access denied error"),
    ("E_HANDLE", 0x80070006, "Invalid handle"),
    ("E_OUTOFMEMORY", 0x8007000E, "Ran out of memory"),
    ("E_INVALIDARG", 0x80070057, "One or more arguments are invalid"),
]
# Win32 error codes, reported as HRESULT_FROM_WIN32(code).
WIN32 = [
    ("ERROR_FILE_NOT_FOUND", 2, "The system cannot find the file specified"),
    ("ERROR_PATH_NOT_FOUND", 3, "The system cannot find the path specified"),
    ("ERROR_BAD_FORMAT", 11, "An attempt was made to load a program with an incorrect format"),
    ("ERROR_INVALID_DATA", 13, "The data is invalid"),
    ("ERROR_NOT_READY", 21, "The device is not ready"),
    ("ERROR_BAD_LENGTH", 24, "The program issued a command but the command length is incorrect"),
    ("ERROR_GEN_FAILURE", 31, "A device attached to the system is not functioning"),
    ("ERROR_SHARING_VIOLATION", 32, "The process cannot access the file because it is being used by another process"),
    ("ERROR_HANDLE_EOF", 38, "Reached the end of the file"),
    ("ERROR_NOT_SUPPORTED", 50, "The request is not supported"),
    ("ERROR_FILE_EXISTS", 80, "The file exists"),
    ("ERROR_BROKEN_PIPE", 109, "The pipe has been ended"),
    ("ERROR_CALL_NOT_IMPLEMENTED", 120, "This function is not supported on this system"),
    ("ERROR_INSUFFICIENT_BUFFER", 122, "The data area passed to a system call is too small"),
    ("ERROR_INVALID_NAME", 123, "The filename, directory name, or volume label syntax is incorrect"),
    ("ERROR_MOD_NOT_FOUND", 126, "The specified module could not be found"),
    ("ERROR_PROC_NOT_FOUND", 127, "The specified procedure could not be found (not available on this Windows build)"),
    ("ERROR_DIR_NOT_EMPTY", 145, "The directory is not empty"),
    ("ERROR_BAD_PATHNAME", 161, "The specified path is invalid"),
    ("ERROR_ALREADY_EXISTS", 183, "Cannot create a file when that file already exists"),
    ("ERROR_PIPE_NOT_CONNECTED", 233, "No process is on the other end of the pipe"),
    ("ERROR_WAIT_TIMEOUT", 258, "The wait operation timed out"),
    ("ERROR_NO_MORE_ITEMS", 259, "No more data is available"),
    ("ERROR_ELEVATION_REQUIRED", 740, "The requested operation requires elevation"),
    ("ERROR_OPERATION_ABORTED", 995, "The I/O operation has been aborted because of either a thread exit or an application request"),
    ("ERROR_IO_PENDING", 997, "Overlapped I/O operation is in progress"),
    ("ERROR_SERVICE_DOES_NOT_EXIST", 1060, "The specified service does not exist as an installed service"),
    ("ERROR_NO_UNICODE_TRANSLATION", 1113, "No mapping for the Unicode character exists in the target multi-byte code page"),
    ("ERROR_NOT_FOUND", 1168, "Element not found"),
    ("ERROR_CONNECTION_REFUSED", 1225, "The remote computer refused the network connection"),
    ("ERROR_CONNECTION_ABORTED", 1236, "The network connection was aborted by the local system"),
    ("ERROR_PRIVILEGE_NOT_HELD", 1314, "A required privilege is not held by the client"),
    ("ERROR_TIMEOUT", 1460, "This operation returned because the timeout period expired"),
    ("ERROR_INVALID_STATE", 5023, "The group or resource is not in the correct state to perform the requested operation"),
]


# Descriptions the reference doc only annotates (its own notes in brackets).
DESC_FIXES = {
    "HCN_E_LAYER_ALREADY_EXISTS": "A layer with this name already exists",
}


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    rows = []  # (group, sdkname, value, desc)
    for m in re.finditer(r"^\| `((?:HCS|HCN|GCN)_[A-Z_]+)` \| (0x[0-9A-Fa-f]{8}) \| (.*?) \|\s*$", text, re.M):
        name, val, desc = m.group(1), int(m.group(2), 16), m.group(3).strip()
        desc = desc.replace("`", "")
        # Drop the reference doc's editorial notes; they are not user text.
        desc = DESC_FIXES.get(name, re.sub(r"\s*\((SDK only[^)]*|note:[^)]*)\)", "", desc))
        if name.startswith("HCS_E_"):
            group = "hcs"
        elif name.startswith("GCN_E_"):
            group = "gcn"
        else:
            group = "hcn"
        rows.append((group, name, val, desc))
    # ERROR_VMCOMPUTE_* from the prose list in 6.2: first full name, then _SUFFIX forms.
    sec = text[text.index("### 6.2"):text.index("### 6.3")]
    hcs_desc = {v & 0xFFFF: d for g, n, v, d in rows if g == "hcs"}
    vm_extra = {0x103: "An operation is pending (legacy)", 0x104: "Too many notifications (legacy)",
                0x109: "No response from the VM/container in time"}
    for m in re.finditer(r"`(ERROR_VMCOMPUTE)?(_[A-Z_]+)` (0xC037[0-9A-Fa-f]{4})", sec):
        name = "ERROR_VMCOMPUTE" + m.group(2)
        val = int(m.group(3), 16)
        desc = vm_extra.get(val & 0xFFFF) or hcs_desc.get(val & 0xFFFF)
        rows.append(("vmcompute", name, val, desc))
    for n, v, d in COMMON:
        rows.append(("com", n, v, d))
    for n, v, d in WIN32:
        rows.append(("win32", n, 0x80070000 | v, d))

    counts = {}
    for g, *_ in rows:
        counts[g] = counts.get(g, 0) + 1
    expect = {"hcs": 32, "hcn": 46, "gcn": 9, "vmcompute": 20}
    for g, n in expect.items():
        if counts.get(g) != n:
            sys.exit(f"expected {n} {g} codes, parsed {counts.get(g)}")

    def macro(sdk):
        # Our public names never reuse the SDK's HCS_E_*/HCN_E_* spellings.
        s = sdk
        for pre, rep in (("HCS_E_", ""), ("HCN_E_", "HCN_"), ("HCN_", "HCN_"), ("GCN_E_", "GCN_"),
                         ("ERROR_VMCOMPUTE_", "VMCOMPUTE_"), ("E_", ""), ("S_", "S_")):
            if s.startswith(pre):
                s = rep + s[len(pre):]
                break
        if sdk.startswith("ERROR_") and not sdk.startswith("ERROR_VMCOMPUTE_"):
            s = "WIN32_" + sdk[len("ERROR_"):]
        return "HCS_ERR_" + s

    seen = set()
    hdr = ["/* Generated by scripts/gen_hresults.py from ../shared/docs/hcs-api.md \u00a76. Do not edit. */",
           "/*",
           " * Named HRESULT values. Our names start with HCS_ERR_ so that they never",
           " * collide with the Windows SDK's HCS_E_* / HCN_E_* / ERROR_VMCOMPUTE_*",
           " * macros; hcs_hresult_name() returns the SDK spelling. Macros only: no",
           " * pointers, nothing to own or free.",
           " */",
           "#ifndef HCS_HRESULTS_H", "#define HCS_HRESULTS_H", "", "#include \"hcs/common.h\"", ""]
    tbl = ["/* Generated by scripts/gen_hresults.py from ../shared/docs/hcs-api.md \u00a76. Do not edit. */",
           "/* X(macro, sdk_name, group, description) */"]
    titles = {"hcs": "HCS (FACILITY_VIRTUALIZATION, 0x8037xxxx)",
              "vmcompute": "Legacy vmcompute (0xC037xxxx)",
              "hcn": "HCN (0x803Bxxxx)", "gcn": "GCN (0x803B0021-0x803B0029)",
              "com": "COM", "win32": "HRESULT_FROM_WIN32"}
    last = None
    for g, n, v, d in rows:
        m = macro(n)
        if m in seen:
            sys.exit("duplicate macro " + m)
        seen.add(m)
        if g != last:
            hdr.append(f"/* {titles[g]} */")
            last = g
        hdr.append(f"#define {m} ((hcs_result)0x{v:08X}u)")
        dq = d.replace('"', '\\"')
        tbl.append(f'X({m}, "{n}", HCS_GROUP_{g.upper()}, "{dq}")')
    hdr += ["", "#endif /* HCS_HRESULTS_H */", ""]
    open("include/hcs/gen/hresults.h", "w").write("\n".join(hdr))
    open("src/base/gen/hresult_table.inc", "w").write("\n".join(tbl) + "\n")
    print("generated", len(rows), "codes:", counts)


if __name__ == "__main__":
    main()
