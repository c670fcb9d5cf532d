# shellcheck shell=bash
# bash completion for hcsctl (libhcs).
#
# Commands, subcommands and options are read from hcsctl's own help
# (`hcsctl --help`, `hcsctl CMD --help`), so they follow the binary being
# completed; what an option's value is comes from the placeholder its help
# prints after it (DIR: directories; FILE, PATH, VHD, VHDX: files; TYPE:
# schema types; a|b: those words). Where positional arguments are files or
# directories is in _hcsctl_positional below.
#
# Installed as bash-completion's completions/hcsctl (loaded on demand); it
# needs nothing from bash-completion, so it can also be sourced directly.
# tests/completion_check.sh drives it.

# The hcsctl being completed: the command line's own word when it runs.
_hcsctl_set_bin() {
    _hcsctl_b=${COMP_WORDS[0]:-hcsctl}
    _hcsctl_b=${_hcsctl_b/#\~/$HOME}
    command -v "$_hcsctl_b" >/dev/null 2>&1 || _hcsctl_b=hcsctl
}

# hcsctl's help for ARGS (none: the general usage), kept for the shell
# session per binary and ARGS. _hcsctl sets _hcsctl_b, the binary, once per
# completion.
declare -gA _hcsctl_cache 2>/dev/null || true
_hcsctl_help() {
    local key="${_hcsctl_b:-hcsctl} $*"
    if [ -z "${_hcsctl_cache[$key]+set}" ]; then
        _hcsctl_cache[$key]=$("${_hcsctl_b:-hcsctl}" "$@" --help 2>/dev/null)
    fi
    printf '%s\n' "${_hcsctl_cache[$key]}"
}

# The commands listed by `hcsctl --help`, and "help".
_hcsctl_commands() {
    _hcsctl_help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
                        on && /^  [a-z]/ { print $1 }'
    echo help
}

# The subcommands of CMD: the word after CMD on its usage lines (a|b both),
# or, when that word is VERB, the verbs its help lists.
_hcsctl_subcommands() {
    local cmd=$1
    _hcsctl_help "$cmd" | awk -v cmd="$cmd" '
        /^(usage:)? *hcsctl / {
            for (i = 1; i < NF; i++)
                if ($i == cmd) {
                    w = $(i + 1)
                    if (w == "VERB") verbs = 1
                    else if (w ~ /^[a-z][a-z|-]*$/) { n = split(w, p, "|"); for (j = 1; j <= n; j++) if (!seen[p[j]]++) print p[j] }
                    break
                }
            next
        }
        verbs && /^  [a-z][a-z-]* +[a-z(]/ { print $1 }'
}

# The options a help text mentions (every --name in it), one per line.
_hcsctl_options() {
    local text=$1 re='(^|[^a-z0-9-])(--[a-z][a-z0-9-]*)' out=" "
    while [[ $text =~ $re ]]; do
        [[ $out == *" ${BASH_REMATCH[2]} "* ]] || out+="${BASH_REMATCH[2]} "
        text=${text#*"${BASH_REMATCH[0]}"}
    done
    # shellcheck disable=SC2086 # one word per option
    printf '%s\n' $out
}

# What the value of OPT is, from the placeholder printed after it in HELP:
# "dir", "file", "type", "choice a b ...", "value" (anything else), or
# "flag" (no placeholder anywhere: the option takes no value).
_hcsctl_value_kind() {
    local opt=$1 help=$2 ph="" re
    re="(^|[^a-z-])${opt}[ =]([A-Z][A-Za-z0-9_.,=:]*|[a-z]+(\|[a-z]+)+)"
    if [[ $help =~ $re ]]; then
        ph=${BASH_REMATCH[2]}
    fi
    case $ph in
        "") echo flag ;;
        DIR*|*_DIR) echo dir ;;
        FILE*|PATH*|VHD*) echo file ;;
        TYPE) echo type ;;
        [a-z]*\|*) echo "choice ${ph//|/ }" ;;
        *) echo value ;;
    esac
}

# What the Nth positional argument (1-based) of "CMD SUB" is: dir, file,
# type, schemans, command, or nothing.
_hcsctl_positional() {
    local what=$1 n=$2
    case "$what:$n" in
        create:2|modify:2|save:2) echo file ;;
        "schema validate":1|"gcs decode":1) echo file ;;
        "net create":1|"namespace create":1|"lb create":1|"endpoint create":2) echo file ;;
        "layer import":1|"layer export":1|"layer import":2|"layer export":2) echo dir ;;
        "layer destroy":1|"layer setup-base":1|"layer init-writable":1) echo dir ;;
        "layer attach":1|"layer detach":1) echo dir ;;
        "layer format-vhd":1|"layer mount-path":1) echo file ;;
        "schema show":1) echo type ;;
        "schema list":1) echo schemans ;;
        help:1) echo command ;;
    esac
}

_hcsctl_compgen() { # KIND CUR: fills COMPREPLY
    local kind=$1 cur=$2
    case $kind in
        dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
        file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null || true ;;
        type) mapfile -t COMPREPLY < <(compgen -W "$("${_hcsctl_b:-hcsctl}" schema list 2>/dev/null | awk '{print $1}')" -- "$cur") ;;
        schemans) mapfile -t COMPREPLY < <(compgen -W "hcs hcn guest" -- "$cur") ;;
        command) mapfile -t COMPREPLY < <(compgen -W "$(_hcsctl_commands)" -- "$cur") ;;
        choice\ *) mapfile -t COMPREPLY < <(compgen -W "${kind#choice }" -- "$cur") ;;
        *) COMPREPLY=() ;;
    esac
    if [ "$kind" = dir ]; then
        compopt -o filenames 2>/dev/null || true
    fi
}

_hcsctl() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=""
    local i w cmd="" sub="" subs="" help opts kind npos=0 dashdash=0 _hcsctl_b
    COMPREPLY=()
    _hcsctl_set_bin
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}

    # The command: the first word that is not a global option.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
            --json) ;;
            -*) ;;
            *) cmd=$w; break ;;
        esac
    done
    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "--json --help -h" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$(_hcsctl_commands)" -- "$cur")
        fi
        return 0
    fi

    # The subcommand, when the command has some.
    subs=$(_hcsctl_subcommands "$cmd")
    if [ -n "$subs" ]; then
        for ((i = i + 1; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            [[ $w == -* ]] && continue
            sub=$w
            break
        done
        if [ -z "$sub" ]; then
            if [[ $cur == -* ]]; then
                mapfile -t COMPREPLY < <(compgen -W "--help --json" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
            fi
            return 0
        fi
        # "system VERB ...": the verb is a command of its own.
        if [ "$cmd" = system ]; then
            cmd=$sub
            sub=""
        fi
    fi

    # shellcheck disable=SC2086 # no subcommand: no word
    help=$(_hcsctl_help "$cmd" $sub)
    [ -n "$help" ] || help=$(_hcsctl_help "$cmd")
    opts=$(_hcsctl_options "$help")

    # The value of an option.
    if [[ $prev == --* && $'\n'$opts$'\n' == *$'\n'"$prev"$'\n'* ]]; then
        kind=$(_hcsctl_value_kind "$prev" "$help")
        if [ "$kind" != flag ]; then
            _hcsctl_compgen "$kind" "$cur"
            return 0
        fi
    fi
    if [[ $cur == --*=* ]]; then
        kind=$(_hcsctl_value_kind "${cur%%=*}" "$help")
        _hcsctl_compgen "$kind" "${cur#*=}"
        return 0
    fi

    # Count the positional arguments before the cursor (option values and
    # the words up to the subcommand are not), and notice a "--".
    for ((i = i + 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [ "$dashdash" = 1 ]; then
            npos=$((npos + 1))
        elif [ "$w" = -- ]; then
            dashdash=1
            npos=0
        elif [[ $w == --*=* ]]; then
            :
        elif [[ $w == -* && $w != - ]]; then
            kind=$(_hcsctl_value_kind "$w" "$help")
            [ "$kind" = flag ] || i=$((i + 1))
        else
            npos=$((npos + 1))
        fi
    done

    if [ "$dashdash" = 1 ]; then
        # The command line of exec, uvm run, gcs run: a program, then files.
        if [ "$npos" = 0 ]; then
            mapfile -t COMPREPLY < <(compgen -c -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts --help" -- "$cur")
        return 0
    fi
    kind=$(_hcsctl_positional "$cmd${sub:+ $sub}" $((npos + 1)))
    _hcsctl_compgen "${kind:-none}" "$cur"
    return 0
}

complete -F _hcsctl hcsctl
