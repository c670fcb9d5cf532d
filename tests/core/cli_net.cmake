# hcsctl's net / endpoint / namespace / lb / layer commands end to end.
#   Windows build (under wine): against the test-double computenetwork.dll
#   and computestorage.dll (HCS_TEST_*_PATH); FAKE_HCS_LOG records what
#   reached the DLLs. Other systems: every command exits 1 with the clear
#   error; --help and usage errors work.
# -DHCSCTL -DEMULATOR -DTARGET_WIN32 -DNET_DLL -DSTORAGE_DLL -DWORK
include(${CMAKE_CURRENT_LIST_DIR}/cli_doubles.cmake)

file(WRITE ${WORK}/net.json "{\"Name\":\"n1\",\"Type\":\"NAT\"}")
foreach(c net endpoint namespace lb layer)
  run(0 ${c} --help)
  expect("${OUT}" "^usage: hcsctl ")
  run(2 ${c})
endforeach()
run(0 --help)
expect("${OUT}" "  layer      container layers")
run(2 net frob)
expect("${ERR}" "net: unknown subcommand \"frob\"")
run(2 net show)
expect("${ERR}" "net show: expected one ID")
run(2 endpoint create only-one)
run(2 layer import C:/l)
expect("${ERR}" "layer import: missing argument")
run(2 layer import C:/l C:/s --parent nonsense)
expect("${ERR}" "is not ID=PATH")
run(2 layer bake x)

if(NOT TARGET_WIN32)
  expect_not_windows("net list" "net show 0e7a0001-0000-0000-0000-000000000000"
      "net create ${WORK}/net.json" "net create --nat n --subnet 10.0.0.0/24" "net delete x"
      "endpoint list" "endpoint create x ${WORK}/net.json" "namespace list"
      "namespace add-endpoint a b" "lb list" "lb delete x" "layer import C:/l C:/s"
      "layer export C:/l C:/e" "layer destroy C:/l" "layer setup-base C:/l"
      "layer init-writable C:/l" "layer attach C:/l" "layer detach C:/l"
      "layer format-vhd C:/a.vhdx" "layer mount-path C:/a.vhdx")
  return()
endif()

# ---- Windows (wine): the doubles ----
wine_path(NET_WIN "${NET_DLL}")
wine_path(STORAGE_WIN "${STORAGE_DLL}")
file(REMOVE ${log})
set(ENVS "HCS_TEST_COMPUTENETWORK_PATH=${NET_WIN}" "HCS_TEST_VMCOMPUTE_PATH=${NET_WIN}"
    "HCS_TEST_COMPUTESTORAGE_PATH=${STORAGE_WIN}" "FAKE_HCS_LOG=${log_win}")

run(0 net list)
expect("${OUT}" "0e7a0001-0000-0000-0000-000000000000")
run(0 --json net list)
expect("${OUT}" "^\\[\"0e7a0001-0000-0000-0000-000000000000\"\\]")
run(0 net show 0e7a0001-0000-0000-0000-000000000000)
expect("${OUT}" "\"Name\":\"nat\"")
run(1 net show 3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60)
expect("${ERR}" "ERROR_NOT_FOUND 0x80070490")
run(0 net create --nat n2 --subnet 10.0.0.0/24 --gateway 10.0.0.1)
expect("${OUT}" "^a0000001-0000-0000-0000-000000000000")
logged("HcnCreateNetwork\t{\"Name\":\"n2\"[^\n]*\"IpAddressPrefix\":\"10.0.0.0/24\"")
run(0 --json net create ${WORK}/net.json --id 3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60)
expect("${OUT}" "{\"id\":\"3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60\"}")
run(0 net delete 0e7a0001-0000-0000-0000-000000000000)
logged("HcnDeleteNetwork\t[^\n]*0e7a0001-0000-0000-0000-000000000000")
run(0 endpoint create 0e7a0001-0000-0000-0000-000000000000 ${WORK}/net.json)
logged("HcnCreateEndpoint")
# each hcsctl run is a fresh world: the namespace does not exist
run(1 namespace add-endpoint b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30 3f0c8a52-6d1e-4b7a-9e2c-5a8d1f4b7c60)
expect("${ERR}" "open namespace \"b5b5f3ea-3c2a-4d7e-9c8e-2f1a7d6b4e30\" \\(HcnOpenNamespace\\)")
run(0 lb list)
expect("${OUT}" "none")

run(0 layer import C:\\layers\\l1 C:\\src --parent 8bd1e9c3-0000-4000-8000-000000000002=C:\\layers\\base)
expect("${ERR}" "importing layer C:\\\\layers\\\\l1 -> C:\\\\src \\.\\.\\.")
expect("${ERR}" "import: done in [0-9]+ s")
logged("HcsImportLayer\tC:\\\\layers\\\\l1\tC:\\\\src\t{\"SchemaVersion\":{\"Major\":2,\"Minor\":1},\"Layers\":\\[{\"Id\":\"8bd1e9c3-0000-4000-8000-000000000002\"")
run(0 layer export C:\\layers\\l1 C:\\out --writable)
logged("HcsExportLayer\t[^\n]*{\"IsWritableLayer\":true}")
run(0 layer destroy C:\\layers\\l1)
run(0 layer setup-base C:\\layers\\base --vm)
logged("HcsSetupBaseOSLayer\tC:\\\\layers\\\\base\t{\"Type\":\"Vm\"}")
run(0 layer init-writable C:\\layers\\w)
run(0 layer attach C:\\layers\\w)
run(0 layer detach C:\\layers\\w)
file(WRITE ${WORK}/disk.vhdx "vhdx")
string(REGEX REPLACE "^/" "Z:/" vhd_win "${WORK}/disk.vhdx")
run(0 layer format-vhd ${vhd_win} --file-handle)
logged("HcsFormatWritableLayerVhd\t#1,0")
