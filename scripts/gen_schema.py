#!/usr/bin/env python3
"""Generates libhcs's schema layer (C types + descriptor tables) from Microsoft's
published HCS / HCN schema and our overlay.

Inputs (read only):
  ../shared/schema/hcs-openapi/HCS_Schema_Win11_SDK_21H2.swagger.json  types (243 definitions, schema 2.6)
  ../shared/schema/derived/hcs-schemareference.parsed.json            since-versions, map key types, 10 newer types
  ../shared/schema/derived/hcn-schema.parsed.json                     HCN types and policies
  schema/overlay.json                                                 what hcsshim sends that is not published

Outputs (committed; CI regenerates with --check and fails on a difference):
  include/hcs/gen/schema_ids.h     type ids
  include/hcs/gen/schema_types.h   C structs, enums, typed inline wrappers
  src/schema/gen/tables.c      descriptor tables walked by src/schema/engine.c

Python 3 standard library only.

usage: gen_schema.py [--shared DIR] [--out DIR] [--check]
"""
import argparse
import difflib
import json
import os
import re
import shutil
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))

OUTPUTS = ['include/hcs/gen/schema_ids.h', 'include/hcs/gen/schema_types.h', 'src/schema/gen/tables.c']

ATTRIBUTION = """\
 * Derived from the Microsoft Host Compute Service / Host Networking Service schema
 * (MicrosoftDocs/Virtualization-Documentation @ 77e0742a: HCS_Schema[Windows_11_SDK_version_21H2].json,
 * SchemaReference.md, HNS_Schema.md), Copyright (c) Microsoft Corporation,
 * licensed under MIT (samples) / CC-BY-4.0 (documentation).
 * Types and field facts taken from hcsshim (schema/overlay.json) come from
 * microsoft/hcsshim @ 7c9ff7f4, Copyright (c) Microsoft Corporation, MIT licence."""

C_KEYWORDS = set("""auto break case char const continue default do double else enum extern float
for goto if inline int long register restrict return short signed sizeof static struct switch
typedef union unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic
_Generic _Noreturn _Static_assert _Thread_local
alignas alignof and and_eq asm bitand bitor bool catch char8_t char16_t char32_t class compl concept
const_cast consteval constexpr constinit co_await co_return co_yield decltype delete dynamic_cast
explicit export false friend mutable namespace new noexcept not not_eq nullptr operator or or_eq
private protected public reinterpret_cast requires static_assert static_cast template this
thread_local throw true try typeid typename using virtual wchar_t xor xor_eq""".split())  # C and C++

NS_INFO = {
    # ns: (C type prefix, id prefix, enum-constant prefix, qualified-name prefix, ns number)
    's2': ('hcs_s2_', 'HCS_SCHEMA_S2_', 'HCS_S2_', '', 0),
    'hcn': ('hcs_hcn_', 'HCS_SCHEMA_HCN_', 'HCS_HCN_', 'hcn.', 1),
    'guest': ('hcs_gs_', 'HCS_SCHEMA_GS_', 'HCS_GS_', 'guest.', 2),
}

PRIMS = {
    # name: (kind, string format)
    'bool': ('BOOL', None), 'boolean': ('BOOL', None),
    'string': ('STR', 'NONE'), 'Guid': ('STR', 'GUID'), 'MacAddress': ('STR', 'MAC'),
    'DateTime': ('STR', 'DATETIME'), 'ByteArray': ('STR', 'BYTE'),
    'NullableByteArray': ('STR', 'BINARY'), 'string_binary': ('STR', 'BINARY'),
    'uint8': ('U8', None), 'uint16': ('U16', None), 'uint32': ('U32', None), 'uint64': ('U64', None),
    'int32': ('I32', None), 'int64': ('I64', None), 'double': ('F64', None),
    'Any': ('ANY', None),
}
KEY_KINDS = {'string': 'STRING', 'Guid': 'GUID', 'uint8': 'U8', 'uint16': 'U16', 'uint32': 'U32',
             'uint64': 'U64'}

C_SCALAR_WRAP = {'BOOL': 'hcs_schema_bool', 'U8': 'hcs_schema_u8', 'U16': 'hcs_schema_u16',
                 'U32': 'hcs_schema_u32', 'U64': 'hcs_schema_u64', 'I32': 'hcs_schema_i32',
                 'I64': 'hcs_schema_i64', 'F64': 'hcs_schema_f64'}
C_ELEM = {'BOOL': 'uint8_t', 'U8': 'uint8_t', 'U16': 'uint16_t', 'U32': 'uint32_t',
          'U64': 'uint64_t', 'I32': 'int32_t', 'I64': 'int64_t', 'F64': 'double',
          'STR': 'char *', 'ANY': 'char *', 'ENUM': 'hcs_schema_enum'}
KIND_TEXT = {'BOOL': 'bool', 'U8': 'uint8', 'U16': 'uint16', 'U32': 'uint32', 'U64': 'uint64',
             'I32': 'int32', 'I64': 'int64', 'F64': 'double', 'ANY': 'Any'}
FMT_TEXT = {'NONE': 'string', 'GUID': 'Guid', 'MAC': 'MacAddress', 'DATETIME': 'DateTime',
            'BYTE': 'ByteArray', 'BINARY': 'binary string'}


class GenError(Exception):
    pass


def ver(s):
    """'2.16' -> (2 << 8) | 16; None/'' -> 0."""
    if not s:
        return 0
    m = re.match(r'^(\d+)\.(\d+)$', s)
    if not m:
        raise GenError('bad version %r' % s)
    return (int(m.group(1)) << 8) | int(m.group(2))


class Spec:
    """A value type: kind in PRIMS kinds, 'ENUM', 'OBJ', 'ARRAY', 'MAP'."""

    def __init__(self, kind, fmt=None, ref=None, elem=None, key=None, numeric_enum=None):
        self.kind, self.fmt, self.ref, self.elem, self.key = kind, fmt, ref, elem, key
        self.numeric_enum = numeric_enum  # (ns, name) of a documented enum sent as a number

    def text(self, ns):
        k = self.kind
        if k == 'STR':
            return FMT_TEXT[self.fmt]
        if k in ('ENUM', 'OBJ'):
            return qname(*self.ref)
        if k == 'ARRAY':
            return self.elem.text(ns) + '[]'
        if k == 'MAP':
            return 'Map<%s, %s>' % ({'STRING': 'string', 'GUID': 'Guid'}.get(self.key, self.key.lower()),
                                    self.elem.text(ns))
        t = KIND_TEXT[k]
        if self.numeric_enum:
            t += ' (%s, sent as a number)' % qname(*self.numeric_enum)
        return t


def qname(ns, name):
    return NS_INFO[ns][3] + name


class Field:
    def __init__(self, name, spec, since=0, overlay=False, note=None, aliases=None):
        self.name, self.spec, self.since = name, spec, since
        self.overlay, self.note = overlay, note
        self.aliases = aliases or []


class Type:
    def __init__(self, ns, name, is_enum, overlay=False, reason=None, desc=''):
        self.ns, self.name, self.is_enum = ns, name, is_enum
        self.overlay, self.reason, self.desc = overlay, reason, desc
        self.fields = []   # structs
        self.values = []   # enums: [value, since, overlay]

    @property
    def key(self):
        return (self.ns, self.name)


# ---------------------------------------------------------------- IR building

def parse_overlay_spec(text, ns):
    if text.startswith('array:'):
        return Spec('ARRAY', elem=parse_overlay_spec(text[6:], ns))
    if text.startswith('map:'):
        _, key, rest = text.split(':', 2)
        if key not in KEY_KINDS:
            raise GenError('bad map key type %r' % key)
        return Spec('MAP', key=KEY_KINDS[key], elem=parse_overlay_spec(rest, ns))
    if text.startswith('ref:'):
        ref = text[4:]
        if '.' in ref:
            rns, rname = ref.split('.', 1)
        else:
            rns, rname = ns, ref
        return Spec('REF', ref=(rns, rname))
    if text not in PRIMS:
        raise GenError('unknown type spec %r' % text)
    kind, fmt = PRIMS[text]
    return Spec(kind, fmt)


def swagger_spec(prop):
    if '$ref' in prop:
        return Spec('REF', ref=('s2', prop['$ref'].split('/')[-1]))
    t = prop.get('type')
    if t == 'boolean':
        return Spec('BOOL')
    if t == 'integer':
        return Spec(PRIMS[prop['format']][0])
    if t == 'number':
        return Spec('F64')
    if t == 'array':
        return Spec('ARRAY', elem=swagger_spec(prop['items']))
    if t == 'object':
        if 'additionalProperties' in prop:
            return Spec('MAP', key='STRING', elem=swagger_spec(prop['additionalProperties']))
        return Spec('ANY')
    if t == 'string':
        if 'pattern' in prop:
            return Spec('STR', 'GUID')
        fmt = {'date-time': 'DATETIME', 'byte': 'BYTE', 'binary': 'BINARY',
               'mac-address': 'MAC', None: 'NONE'}.get(prop.get('format'))
        if fmt is None:
            raise GenError('unknown string format %r' % prop.get('format'))
        return Spec('STR', fmt)
    raise GenError('unsupported swagger property %r' % prop)


def ref_spec(t, ns):
    """Spec from the derived markdown JSON's structured type."""
    k = t['kind']
    if k == 'primitive':
        if t['name'] not in PRIMS:
            raise GenError('unknown primitive %r' % t['name'])
        kind, fmt = PRIMS[t['name']]
        return Spec(kind, fmt)
    if k == 'ref':
        return Spec('REF', ref=(ns, t['name']))
    if k == 'array':
        return Spec('ARRAY', elem=ref_spec(t['items'], ns))
    if k == 'map':
        kn = t['key']['name']
        if kn not in KEY_KINDS:
            raise GenError('unsupported map key %r' % kn)
        return Spec('MAP', key=KEY_KINDS[kn], elem=ref_spec(t['values'], ns))
    if k == 'unparsed' and t.get('raw', '').startswith('[uint16](#JSON-type), 2'):
        return Spec('U16')   # ConsoleSize: "uint16, 2" (a fixed pair; rules.c checks the length)
    raise GenError('unsupported type %r' % t)


def build_ir(shared, overlay):
    types = {}

    def add(t):
        if t.key in types:
            raise GenError('duplicate type %s' % qname(*t.key))
        types[t.key] = t

    sw = json.load(open(os.path.join(shared, 'hcs-openapi', 'HCS_Schema_Win11_SDK_21H2.swagger.json')))
    defs = sw['definitions']
    ref = json.load(open(os.path.join(shared, 'derived', 'hcs-schemareference.parsed.json')))
    hcn = json.load(open(os.path.join(shared, 'derived', 'hcn-schema.parsed.json')))
    if len(defs) != 243:
        raise GenError('expected 243 swagger definitions, found %d' % len(defs))

    # ---- HCS: swagger types, merged with SchemaReference since/map keys
    for name, d in defs.items():
        if 'enum' in d:
            t = Type('s2', name, True, desc=d.get('description', ''))
            rvals = {v['value']: ver(v['since']) for v in ref['enums'].get(name, {}).get('values', [])}
            for v in d['enum']:
                t.values.append([v, rvals.get(v, 0), False])
            for v, s in rvals.items():
                if v not in d['enum']:
                    t.values.append([v, s, False])
            add(t)
            continue
        if d.get('type') != 'object':
            raise GenError('unexpected definition %s' % name)
        t = Type('s2', name, False, desc=d.get('description', ''))
        rfields = {f['name']: f for f in ref['structs'].get(name, {}).get('fields', [])}
        for pname, prop in d.get('properties', {}).items():
            spec = swagger_spec(prop)
            rf = rfields.get(pname)
            since = 0
            if rf:
                since = ver(rf['since'])
                rs = ref_spec(rf['type'], 's2')
                if spec.kind == 'MAP' and rs.kind == 'MAP':
                    spec.key = rs.key   # the markdown knows the key type
                if spec.kind == 'ARRAY' and rs.kind == 'ARRAY' and spec.elem.kind != rs.elem.kind:
                    raise GenError('%s.%s: swagger/markdown element mismatch' % (name, pname))
            t.fields.append(Field(pname, spec, since))
        # fields only in the markdown (newer than the swagger)
        for rname, rf in rfields.items():
            if rname not in d.get('properties', {}):
                t.fields.append(Field(rname, ref_spec(rf['type'], 's2'), ver(rf['since'])))
        add(t)
    # types only in the markdown
    for name, e in ref['enums'].items():
        if ('s2', name) not in types:
            t = Type('s2', name, True, desc=e.get('description', ''))
            t.values = [[v['value'], ver(v['since']), False] for v in e['values']]
            add(t)
    for name, st in ref['structs'].items():
        if ('s2', name) not in types:
            t = Type('s2', name, False, desc=st.get('description', ''))
            t.fields = [Field(f['name'], ref_spec(f['type'], 's2'), ver(f['since'])) for f in st['fields']]
            add(t)

    # ---- HCN from HNS_Schema.md
    for name, e in hcn['enums'].items():
        t = Type('hcn', name, True, desc=e.get('description', ''))
        t.values = [[v['value'], ver(v['since']), False] for v in e['values']]
        add(t)
    for name, st in hcn['structs'].items():
        t = Type('hcn', name, False, desc=st.get('description', ''))
        for f in st['fields']:
            t.fields.append(Field(f['name'], ref_spec(f['type'], 'hcn'), ver(f['since'])))
        add(t)

    apply_overlay(types, overlay)
    resolve(types)
    return types


def overlay_type(types, ns, name, spec_ov):
    reason = spec_ov.get('reason')
    if not reason:
        raise GenError('overlay type %s.%s has no reason' % (ns, name))
    if 'values' in spec_ov:
        t = Type(ns, name, True, overlay=True, reason=reason)
        t.values = [[v, 0, True] for v in spec_ov['values']]
    else:
        t = Type(ns, name, False, overlay=True, reason=reason)
        if 'base' in spec_ov:
            bns, bname = spec_ov['base'].split('.', 1)
            base = types.get((bns, bname))
            if base is None:
                raise GenError('overlay base %s not found' % spec_ov['base'])
            for f in base.fields:
                t.fields.append(Field(f.name, f.spec, 0, True, None, list(f.aliases)))
        for f in spec_ov['fields']:
            t.fields.append(Field(f['name'], parse_overlay_spec(f['type'], ns), 0, True,
                                  None, f.get('aliases')))
    if t.key in types:
        raise GenError('overlay type %s already published' % qname(*t.key))
    types[t.key] = t


def find_field(t, name):
    for i, f in enumerate(t.fields):
        if f.name == name:
            return i
    return -1


def add_overlay_field(types, ns, ov):
    if not ov.get('reason'):
        raise GenError('overlay field %s.%s has no reason' % (ov['type'], ov['name']))
    t = types.get((ns, ov['type']))
    if t is None or t.is_enum:
        raise GenError('overlay field: type %s.%s not found' % (ns, ov['type']))
    if find_field(t, ov['name']) >= 0:
        raise GenError('overlay field %s.%s already exists' % (ov['type'], ov['name']))
    f = Field(ov['name'], parse_overlay_spec(ov['spec'], ns), ver(ov.get('since')), True,
              ov['reason'], ov.get('aliases'))
    if 'after' in ov:
        i = find_field(t, ov['after'])
        if i < 0:
            raise GenError('overlay field %s.%s: no field %s to follow' % (ov['type'], ov['name'], ov['after']))
        t.fields.insert(i + 1, f)
    else:
        t.fields.append(f)


def apply_overlay(types, ov):
    for ns in ('s2', 'hcn', 'guest'):
        sect = ov.get(ns, {})
        for name, e in sect.get('enums', {}).items():
            overlay_type(types, ns, name, e)
    for ns in ('s2', 'hcn', 'guest'):
        sect = ov.get(ns, {})
        # types first (fields may reference them), in file order
        for name, st in sect.get('types', {}).items():
            overlay_type(types, ns, name, st)
        for ev in sect.get('enum_values', []):
            if not ev.get('reason'):
                raise GenError('enum_values entry without reason')
            t = types.get((ns, ev['enum']))
            if t is None or not t.is_enum:
                raise GenError('enum_values: %s not an enum' % ev['enum'])
            for v in ev['values']:
                if any(x[0] == v for x in t.values):
                    raise GenError('enum value %s.%s already published' % (ev['enum'], v))
                t.values.append([v, 0, True])
        for rn in sect.get('renames', []):
            if not rn.get('reason'):
                raise GenError('rename without reason')
            t = types.get((ns, rn['type']))
            i = find_field(t, rn['name']) if t else -1
            if i < 0:
                raise GenError('rename: %s.%s not found' % (rn['type'], rn['name']))
            f = t.fields[i]
            f.aliases.append(f.name)
            f.name = rn['to']
            f.overlay = True
            f.note = rn['reason']
        for fo in sect.get('fields', []):
            add_overlay_field(types, ns, fo)
        for en, info in sect.get('numeric_enums', {}).items():
            if not info.get('reason'):
                raise GenError('numeric_enums %s without reason' % en)
            t = types.get((ns, en))
            if t is None or not t.is_enum:
                raise GenError('numeric_enums: %s is not an enum' % en)
            t.numeric = info['reason']


def resolve(types):
    def fix(spec, ns, where):
        if spec.kind == 'REF':
            t = types.get(spec.ref)
            if t is None:
                raise GenError('%s: unresolved type %s' % (where, qname(*spec.ref)))
            if t.is_enum and getattr(t, 'numeric', None):
                spec.kind, spec.numeric_enum = 'U32', spec.ref
                spec.ref = None
            else:
                spec.kind = 'ENUM' if t.is_enum else 'OBJ'
        if spec.kind in ('ARRAY', 'MAP'):
            fix(spec.elem, ns, where)
            if spec.elem.kind in ('ARRAY', 'MAP'):
                raise GenError('%s: nested containers are not supported' % where)
    for t in types.values():
        for f in t.fields:
            fix(f.spec, t.ns, '%s.%s' % (qname(*t.key), f.name))
        if not t.is_enum:
            seen = set()
            for f in t.fields:
                for n in [f.name] + f.aliases:
                    if n in seen:
                        raise GenError('%s: duplicate field %s' % (qname(*t.key), n))
                    seen.add(n)


# ---------------------------------------------------------------- C emission

def ordered(types):
    out = []
    for ns in ('s2', 'hcn', 'guest'):
        out += sorted((t for t in types.values() if t.ns == ns), key=lambda t: t.name)
    return out


def ctype(t):
    return NS_INFO[t.ns][0] + t.name


def cid(t):
    return NS_INFO[t.ns][1] + t.name


def cid_of(ref):
    return NS_INFO[ref[0]][1] + ref[1]


def cmember(name):
    if not re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', name):
        raise GenError('field name %r is not a C identifier' % name)
    return name + '_' if name in C_KEYWORDS else name


def cenum_const(t, value):
    v = value if value else 'Empty'
    v = re.sub(r'[^A-Za-z0-9_]', '_', v)
    return '%s%s_%s' % (NS_INFO[t.ns][2], t.name, v)


def elem_ctype(spec, types):
    if spec.kind == 'OBJ':
        return ctype(types[spec.ref])
    return C_ELEM[spec.kind]


def member_decl(f, types):
    s = f.spec
    m = cmember(f.name)
    if s.kind in C_SCALAR_WRAP:
        return '%s %s;' % (C_SCALAR_WRAP[s.kind], m)
    if s.kind in ('STR', 'ANY'):
        return 'char *%s;' % m
    if s.kind == 'ENUM':
        return 'hcs_schema_enum %s; /* %s */' % (m, ctype(types[s.ref]))
    if s.kind == 'OBJ':
        return '%s *%s;' % (ctype(types[s.ref]), m)
    et = elem_ctype(s.elem, types)
    sep = '' if et.endswith('*') else ' '
    if s.kind == 'ARRAY':
        return 'struct { %s%s*items; size_t n; uint8_t set; } %s;' % (et, sep, m)
    if s.kind == 'MAP':
        return 'struct { char **keys; %s%s*values; size_t n; uint8_t set; } %s;' % (et, sep, m)
    raise GenError('member kind %s' % s.kind)


def comment_text(s):
    s = (s or '').replace('*/', '* /').replace('\n', ' ').strip()
    return s


def vtext(v):
    return '%d.%d' % (v >> 8, v & 0xFF) if v else ''


def gen_ids(tl):
    o = []
    o.append('/*\n * libhcs schema layer: type ids. GENERATED by scripts/gen_schema.py from\n'
             ' * ../shared/schema and schema/overlay.json; do not edit.\n *\n' + ATTRIBUTION + '\n */')
    o.append('#ifndef HCS_SCHEMA_IDS_H\n#define HCS_SCHEMA_IDS_H\n')
    o.append('/* One id per generated type (struct or enum), in the order of the descriptor\n'
             ' * table. HCS v2 types are HCS_SCHEMA_S2_<Name>, HCN types HCS_SCHEMA_HCN_<Name>,\n'
             ' * guest (GCS) types HCS_SCHEMA_GS_<Name>. Ids may be renumbered between\n'
             ' * library versions; look types up by name for anything persistent. */')
    o.append('typedef enum hcs_schema_type_id {')
    for i, t in enumerate(tl):
        o.append('    %s = %d,' % (cid(t), i))
    o.append('    HCS_SCHEMA_TYPE_COUNT = %d' % len(tl))
    o.append('} hcs_schema_type_id;\n')
    o.append('#endif /* HCS_SCHEMA_IDS_H */')
    return '\n'.join(o) + '\n'


def gen_types_h(tl, types):
    o = []
    o.append('/*\n * libhcs schema layer: generated C types. GENERATED by scripts/gen_schema.py\n'
             ' * from ../shared/schema and schema/overlay.json; do not edit.\n *\n' + ATTRIBUTION + '\n *\n'
             ' * Naming: HCS v2 type X is hcs_s2_X, HCN type X is hcs_hcn_X, guest (GCS)\n'
             ' * type X is hcs_gs_X; enum values are HCS_S2_<Enum>_<Value> (likewise HCS_HCN_,\n'
             ' * HCS_GS_). Field names are the JSON names (a C keyword gets a trailing _).\n'
             ' *\n'
             ' * Presence: every field records whether it is set (see hcs/schema.h):\n'
             ' *   scalars    hcs_schema_<kind> {set, v}\n'
             ' *   strings    char * (NULL = absent); Any = raw JSON text (NULL = absent)\n'
             ' *   enums      hcs_schema_enum {set, v, raw}\n'
             ' *   objects    pointer (NULL = absent; non-NULL is emitted, even as {})\n'
             ' *   arrays     {items, n, set}; maps {keys, values, n, set} (emitted when\n'
             ' *              set or n > 0, so [] and {} survive a round trip)\n'
             ' *   _unknown   raw JSON object text of members the decoder did not know\n'
             ' *              (re-emitted by the encoder), or NULL\n'
             ' *\n'
             ' * Ownership: <type>_decode() fills *out with heap memory the caller releases\n'
             ' * with <type>_dispose(), which frees the members (never the struct itself:\n'
             ' * libhcs names "_free" what frees the object, "_dispose" what frees only\n'
             ' * its members). Objects built by hand may borrow every pointer: just never\n'
             ' * _dispose() them.\n'
             ' */')
    o.append('#ifndef HCS_SCHEMA_TYPES_H\n#define HCS_SCHEMA_TYPES_H\n')
    o.append('/* Opt-in: hcs/schema.h (and the umbrella hcs.h) do not include this\n'
             ' * header; include it where the typed structs are used. */\n'
             '#include "hcs/schema.h"\n')
    o.append('#ifdef __cplusplus\nextern "C" {\n#endif\n')
    o.append('/* ---- enums: values are indexes into the string table; __RAW (-1) means the\n'
             ' * text in hcs_schema_enum.raw (a value this table does not know). */')
    for t in tl:
        if not t.is_enum:
            continue
        note = ' (overlay: %s)' % t.reason if t.overlay else ''
        num = getattr(t, 'numeric', None)
        if num:
            note += ' Sent as a number by hcsshim; fields use uint32.'
        o.append('/* %s%s */' % (qname(*t.key), comment_text(note)))
        o.append('typedef enum %s {' % ctype(t))
        o.append('    %s__RAW = -1,' % (NS_INFO[t.ns][2] + t.name))
        seen = set()
        for i, (v, s, ov) in enumerate(t.values):
            c = cenum_const(t, v)
            if c in seen:
                raise GenError('enum constant clash %s' % c)
            seen.add(c)
            cmt = '' if c.endswith('_' + v) else ' /* "%s" */' % v
            o.append('    %s = %d,%s' % (c, i, cmt))
        o.append('    %s__COUNT = %d' % (NS_INFO[t.ns][2] + t.name, len(t.values)))
        o.append('} %s;' % ctype(t))
    o.append('\n/* ---- structs (forward declarations) */')
    for t in tl:
        if not t.is_enum:
            o.append('typedef struct %s %s;' % (ctype(t), ctype(t)))
    o.append('')
    for t in tl:
        if t.is_enum:
            continue
        head = qname(*t.key)
        if t.overlay:
            head += ' (overlay: %s)' % t.reason
        elif t.desc:
            head += ': ' + t.desc
        o.append('/* %s */' % comment_text(head))
        o.append('struct %s {' % ctype(t))
        for f in t.fields:
            line = '    ' + member_decl(f, types)
            extra = []
            if f.since:
                extra.append('since %s' % vtext(f.since))
            if f.overlay:
                extra.append('overlay')
            if f.name != cmember(f.name):
                extra.append('JSON "%s"' % f.name)
            if extra and '/*' not in line:
                line += ' /* %s */' % ', '.join(extra)
            o.append(line)
        o.append('    char *_unknown;')
        o.append('};')
    o.append('\n/* ---- typed wrappers over the generic functions in hcs/schema.h */')
    for t in tl:
        c, i = ctype(t), cid(t)
        if t.is_enum:
            o.append('static inline const char *%s_to_string(int v) { return hcs_schema_enum_to_string(%s, v); }' % (c, i))
            o.append('static inline int %s_from_string(const char *s) { return hcs_schema_enum_from_string(%s, s); }' % (c, i))
            continue
        o.append('static inline void %s_init(%s *o) { hcs_schema_init(%s, o); }' % (c, c, i))
        o.append('static inline void %s_dispose(%s *o) { hcs_schema_free_members(%s, o); }' % (c, c, i))
        o.append('static inline hcs_result %s_encode(const %s *o, unsigned flags, char **json) '
                 '{ return hcs_schema_encode(%s, o, flags, json, NULL); }' % (c, c, i))
        o.append('static inline hcs_result %s_decode(const char *json, size_t len, unsigned flags, %s *out) '
                 '{ return hcs_schema_decode(%s, json, len, flags, out); }' % (c, c, i))
    o.append('\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* HCS_SCHEMA_TYPES_H */')
    return '\n'.join(o) + '\n'


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def gen_tables(tl, types, ov):
    o = []
    o.append('/*\n * libhcs schema layer: descriptor tables. GENERATED by scripts/gen_schema.py\n'
             ' * from ../shared/schema and schema/overlay.json; do not edit.\n *\n' + ATTRIBUTION + '\n */')
    o.append('#include <stddef.h>\n\n#include "schema/schema_internal.h"\n')
    o.append('#define F(n, a, o, k, fm, ek, kk, s, fl, r, nt) \\\n'
             '    {n, a, (uint32_t)(o), HCSI_K_##k, HCSI_FMT_##fm, HCSI_K_##ek, HCSI_KEY_##kk, s, fl, r, nt}\n')
    o.append('/* The generic engine reads scalar and enum members through the public\n'
             ' * wrapper types and array/map headers through hcsi_arr/hcsi_map. */')
    o.append('HCSI_STATIC_ASSERT(sizeof(((hcs_s2_ComputeSystem *)0)->VirtualMachine) == sizeof(void *), ptr);')
    notes = {}

    def note_ref(text):
        if not text:
            return 'NULL'
        if text not in notes:
            notes[text] = 'note_%d' % len(notes)
        return notes[text]

    body = []
    for t in tl:
        if t.is_enum:
            body.append('static const char *const %s_values[] = {%s};' % (
                ctype(t), ', '.join(cstr(v[0]) for v in t.values)))
            body.append('static const uint16_t %s_since[] = {%s};' % (
                ctype(t), ', '.join('0x%03x' % v[1] for v in t.values)))
            body.append('static const uint8_t %s_overlay[] = {%s};' % (
                ctype(t), ', '.join('1' if v[2] else '0' for v in t.values)))
            continue
        if not t.fields:
            continue
        rows = []
        for f in t.fields:
            s = f.spec
            if s.kind in ('ARRAY', 'MAP'):
                e = s.elem
                kind, ek = s.kind, e.kind
                fm = e.fmt if e.kind == 'STR' else 'NONE'
                kk = s.key if s.kind == 'MAP' else 'NONE'
                ref = cid_of(e.ref) if e.kind in ('ENUM', 'OBJ') else (cid_of(e.numeric_enum) if e.numeric_enum else '-1')
            else:
                kind, ek, kk = s.kind, 'NONE', 'NONE'
                fm = s.fmt if s.kind == 'STR' else 'NONE'
                ref = cid_of(s.ref) if s.kind in ('ENUM', 'OBJ') else (cid_of(s.numeric_enum) if s.numeric_enum else '-1')
            flags = []
            if f.overlay:
                flags.append('HCSI_F_OVERLAY')
            if s.numeric_enum or (s.kind in ('ARRAY', 'MAP') and s.elem.numeric_enum):
                flags.append('HCSI_F_NUMERIC_ENUM')
            alias = cstr(f.aliases[0]) if f.aliases else 'NULL'
            if len(f.aliases) > 1:
                raise GenError('%s.%s: at most one alias' % (t.name, f.name))
            rows.append('    F(%s, %s, offsetof(%s, %s), %s, %s, %s, %s, 0x%03x, %s, %s, %s),' % (
                cstr(f.name), alias, ctype(t), cmember(f.name), kind, fm, ek, kk, f.since,
                '|'.join(flags) or '0', ref, note_ref(f.note)))
        body.append('static const hcsi_sfield %s_fields[] = {' % ctype(t))
        body += rows
        body.append('};')
    for text, name in notes.items():
        o.append('static const char %s[] = %s;' % (name, cstr(text)))
    o += body
    o.append('\nconst hcsi_stype hcsi_schema_types[HCS_SCHEMA_TYPE_COUNT] = {')
    for t in tl:
        reason = cstr(t.reason) if t.reason else 'NULL'
        num = 'HCSI_T_NUMERIC' if getattr(t, 'numeric', None) else '0'
        if t.is_enum:
            o.append('    {%s, %s, %d, 1, %s|%s, 0, 0, NULL, 0, %s_values, %s_since, %s_overlay, %d, %s},' % (
                cstr(t.name), cstr(qname(*t.key)), NS_INFO[t.ns][4], 'HCSI_T_OVERLAY' if t.overlay else '0',
                num, ctype(t), ctype(t), ctype(t), len(t.values), reason))
        else:
            fl = '%s_fields' % ctype(t) if t.fields else 'NULL'
            o.append('    {%s, %s, %d, 0, %s, sizeof(%s), offsetof(%s, _unknown), %s, %d, NULL, NULL, NULL, 0, %s},' % (
                cstr(t.name), cstr(qname(*t.key)), NS_INFO[t.ns][4], 'HCSI_T_OVERLAY' if t.overlay else '0',
                ctype(t), ctype(t), fl, len(t.fields), reason))
    o.append('};\n')

    # ---- rule data: HCN policy settings, guest resource settings, resource paths
    def tref(ns, name):
        if '.' in name:
            ns, name = name.split('.', 1)
        t = types.get((ns, name))
        if t is None:
            raise GenError('rule data: unknown type %s.%s' % (ns, name))
        return cid(t)

    ps = ov['hcn']['policy_settings']
    o.append('/* HCN: policy Type -> Settings struct (-1: no settings struct). */')
    o.append('const hcsi_variant hcsi_hcn_policy_variants[] = {')
    for holder, table in ps.items():
        if holder == 'reason':
            continue
        hid = tref('hcn', holder)
        for typ, st in table.items():
            o.append('    {%s, %s, %s},' % (hid, cstr(typ), tref('hcn', st) if st else '-1'))
    o.append('};')
    o.append('const size_t hcsi_hcn_policy_variant_count = sizeof(hcsi_hcn_policy_variants) / sizeof(hcsi_hcn_policy_variants[0]);\n')

    rs = ov['guest']['resource_settings']
    o.append('/* Guest ResourceType -> Settings type(s), most specific first. */')
    o.append('const hcsi_variant hcsi_guest_resource_variants[] = {')
    for rtype, lst in rs.items():
        if rtype == 'reason':
            continue
        for st in lst:
            o.append('    {%s, %s, %s},' % (cid(types[('guest', 'ModificationRequest')]), cstr(rtype), tref('guest', st)))
    o.append('};')
    o.append('const size_t hcsi_guest_resource_variant_count = sizeof(hcsi_guest_resource_variants) / sizeof(hcsi_guest_resource_variants[0]);\n')

    rp = ov['resource_paths']['paths']
    req_bits = {'Add': 1, 'Remove': 2, 'Update': 4}
    o.append('/* ModifySettingRequest.ResourcePath grammar. */')
    o.append('const hcsi_resource_path hcsi_resource_paths[] = {')
    for p in rp:
        st = p['settings']
        if st == '':
            sid, sk = '-1', 'HCSI_K_NONE'
        elif st in ('uint64', 'uint32'):
            sid, sk = '-1', 'HCSI_K_' + PRIMS[st][0]
        elif st == 'Any':
            sid, sk = '-1', 'HCSI_K_ANY'
        else:
            sid, sk = tref('s2', st), 'HCSI_K_OBJ'
        mask = 0
        for r in p['requests']:
            mask |= req_bits[r]
        o.append('    {%s, %s, %s, 0x%x},' % (cstr(p['path']), sk, sid, mask))
    o.append('};')
    o.append('const size_t hcsi_resource_path_count = sizeof(hcsi_resource_paths) / sizeof(hcsi_resource_paths[0]);')
    return '\n'.join(o) + '\n'


def generate(shared, outdir):
    ov = json.load(open(os.path.join(ROOT, 'schema', 'overlay.json')))
    types = build_ir(shared, ov)
    tl = ordered(types)
    if len(tl) > 32000:
        raise GenError('too many types')
    files = {
        'include/hcs/gen/schema_ids.h': gen_ids(tl),
        'include/hcs/gen/schema_types.h': gen_types_h(tl, types),
        'src/schema/gen/tables.c': gen_tables(tl, types, ov),
    }
    for rel, text in files.items():
        p = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w', newline='\n') as fh:
            fh.write(text)
    counts = {}
    for t in tl:
        k = (t.ns, 'enum' if t.is_enum else 'struct')
        counts[k] = counts.get(k, 0) + 1
    return counts, sum(len(t.fields) for t in tl)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shared', default=os.environ.get('HCS_SHARED_DIR') and
                    os.path.join(os.environ['HCS_SHARED_DIR'], 'schema') or
                    os.path.join(ROOT, '..', 'shared', 'schema'),
                    help='the shared schema folder (default ../shared/schema)')
    ap.add_argument('--out', default=ROOT, help='output root (default: the repository)')
    ap.add_argument('--check', action='store_true',
                    help='regenerate into a temporary folder and fail if the committed files differ')
    a = ap.parse_args()
    try:
        if a.check:
            tmp = tempfile.mkdtemp(prefix='gen_schema.')
            try:
                generate(a.shared, tmp)
                bad = 0
                for rel in OUTPUTS:
                    new = open(os.path.join(tmp, rel)).read()
                    cur_p = os.path.join(ROOT, rel)
                    cur = open(cur_p).read() if os.path.exists(cur_p) else ''
                    if new != cur:
                        bad += 1
                        sys.stderr.write('gen_schema: %s is out of date\n' % rel)
                        diff = list(difflib.unified_diff(cur.splitlines(), new.splitlines(),
                                                         'committed/' + rel, 'generated/' + rel, lineterm='', n=1))
                        sys.stderr.write('\n'.join(diff[:40]) + '\n')
                if bad:
                    sys.stderr.write('gen_schema: run python3 scripts/gen_schema.py and commit the result\n')
                    return 1
                print('gen_schema: generated schema sources are current')
                return 0
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        counts, nfields = generate(a.shared, a.out)
        print('gen_schema: ' + ', '.join('%s %s: %d' % (ns, k, n) for (ns, k), n in sorted(counts.items()))
              + ', fields: %d' % nfields)
        return 0
    except (GenError, OSError, ValueError, KeyError) as e:
        sys.stderr.write('gen_schema: error: %s\n' % e)
        return 2


if __name__ == '__main__':
    sys.exit(main())
