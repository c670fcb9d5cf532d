#!/usr/bin/env bash
# Drives hcsctl's bash completion (completion/hcsctl.bash) the way bash does:
# sources it in a bash subshell, sets COMP_WORDS/COMP_CWORD, calls the
# completion function and checks COMPREPLY. Every command that
# `hcsctl --help` lists must be completed, and so must every option of
# each `hcsctl CMD --help`.
#   tests/completion_check.sh COMPLETION_SCRIPT HCSCTL
# COMPLETION_SCRIPT may also be an installed completions/hcsctl file.
set -euo pipefail
script=$1
hcsctl=$2
[ -f "$script" ] || { echo "completion_check: no $script" >&2; exit 1; }
[ -x "$hcsctl" ] || { echo "completion_check: no $hcsctl" >&2; exit 1; }
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
hcsctl=$(cd "$(dirname "$hcsctl")" && pwd)/$(basename "$hcsctl")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/adir/inner" "$work/bdir"
: >"$work/afile.json"
: >"$work/bfile.json"
cd "$work"

fails=0
checks=0
# complete WORD... : COMPREPLY for the last word (the one being completed),
# in a bash subshell that sources the completion (as bash-completion does;
# without -e and pipefail, as an interactive shell runs it).
complete_words() {
    (
        set +e +o pipefail
        # shellcheck disable=SC1090
        . "$script"
        COMP_WORDS=("$hcsctl" "$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        _hcsctl hcsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]:-}"
        printf "%s\n" "${COMPREPLY[@]}"
    ) | sort -u
}
# expect DESCRIPTION "WANTED..." "UNWANTED..." WORD...
expect() {
    local what=$1 want=$2 unwanted=$3 got w
    shift 3
    got=$(complete_words "$@")
    checks=$((checks + 1))
    got=$'\n'$got$'\n'
    for w in $want; do
        if [[ $got != *$'\n'"$w"$'\n'* ]]; then
            echo "FAIL: $what: hcsctl ${*}<TAB> lacks \"$w\"; got: $(tr '\n' ' ' <<<"$got")"
            fails=$((fails + 1))
        fi
    done
    for w in $unwanted; do
        if [[ $got == *$'\n'"$w"$'\n'* ]]; then
            echo "FAIL: $what: hcsctl ${*}<TAB> offers \"$w\"; got: $(tr '\n' ' ' <<<"$got")"
            fails=$((fails + 1))
        fi
    done
}

# Every command of `hcsctl --help`.
commands=$("$hcsctl" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }')
n=$(wc -w <<<"$commands")
[ "$n" -ge 10 ] || { echo "completion_check: only $n commands in hcsctl --help" >&2; exit 1; }
expect "every command of hcsctl --help" "$(tr '\n' ' ' <<<"$commands") help" "" ""
expect "a prefix" "gcs" "hresult schema" "gc"
expect "after the global --json" "hresult" "" --json hr
expect "global options" "--json --help" "" --
expect "gcs subcommands" "run decode" "hresult" gcs ""
expect "schema subcommands" "validate show list" "" schema ""
expect "namespace subcommands" "add-endpoint remove-endpoint list show create delete" "" namespace ""
expect "layer subcommands" "import export destroy setup-base init-writable attach detach format-vhd mount-path" "" layer ""
expect "system verbs" "list props create start shutdown exec" "gcs" system ""
expect "help COMMAND" "gcs schema version" "" help ""
expect "gcs run options" "--rootfs --read-only --rpc-timeout" "--type" gcs run --r
expect "--rootfs takes a directory" "adir bdir" "afile.json" gcs run --rootfs ""
expect "--rootfs=DIR" "adir" "afile.json" gcs run --rootfs=a
expect "--os choices" "linux windows" "" gcs run --os ""
expect "create ID FILE: a file" "afile.json bfile.json" "" create myid ""
expect "create ID: no file for the id" "" "afile.json" create ""
expect "modify ID FILE" "afile.json" "" modify myid --timeout 5 ""
expect "schema validate FILE" "afile.json adir" "" schema validate --type ComputeSystem ""
expect "schema validate --type TYPE" "ComputeSystem" "afile.json" schema validate --type Compute
expect "schema show TYPE" "hcn.HostComputeNetwork" "" schema show hcn.HostCompute
expect "a flag takes no value" "afile.json" "" schema validate --published-only a
expect "uvm run --kernel FILE" "afile.json" "" uvm run --kernel a
expect "uvm run --layers DIR" "adir" "afile.json" uvm run --layers a
expect "uvm run --stop-after" "created started" "" uvm run --stop-after ""
expect "system VERB options" "--query" "" system list --q
expect "layer import DIR DIR" "adir bdir" "afile.json" layer import adir ""
expect "after --: a program" "bash" "" exec myid -- bas

# Every option of every command's help (and subcommand help).
for c in $commands; do
    [ "$c" = system ] && continue
    subs=$("$hcsctl" "$c" --help | awk -v cmd="$c" '/^(usage:)? *hcsctl / { for (i = 1; i < NF; i++) if ($i == cmd) { w = $(i + 1); if (w ~ /^[a-z][a-z|-]*$/) { n = split(w, p, "|"); for (j = 1; j <= n; j++) print p[j] } break } }' | sort -u)
    # a command with subcommands takes its options after one
    [ -n "$subs" ] || subs='""'
    for s in $subs; do
        [ "$s" = '""' ] && s=""
        # shellcheck disable=SC2086
        opts=$("$hcsctl" "$c" $s --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
        # shellcheck disable=SC2086
        expect "options of hcsctl $c${s:+ $s}" "$(tr '\n' ' ' <<<"$opts")" "" "$c" $s --
    done
done

echo "completion_check: $checks completions checked, $fails failures"
[ "$fails" -eq 0 ]
