/**
 * Help texts of `eoip help [COMMAND]`, `eoip COMMAND --help`. The tunnel
 * parameters' part of the `add` and `set` texts (synopsis and option lines)
 * comes from the parameter table.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramSpec, TUNNEL_FIELDS, type TunnelField } from '../api/fields.js';
import { ADD_REQUIRED, type CommandName } from './grammar.js';

/** The parameters in the order the help of `command` lists them: for add the required ones first. */
function paramOrder(command: 'add' | 'set'): TunnelField[] {
  const required = command === 'add' ? ADD_REQUIRED.map((r) => r.field) : [];
  return [...required, ...TUNNEL_FIELDS.filter((f) => !required.includes(f))];
}

/** Whether `command` requires `f` (add's {@link ADD_REQUIRED}). */
function isRequired(command: 'add' | 'set', f: TunnelField): boolean {
  return command === 'add' && ADD_REQUIRED.some((r) => r.field === f);
}

/**
 * The value's placeholder in the synopsis: the form's syntax where the help
 * line's placeholder only names it (keepalive `K`), and `|none` for an
 * interface that set can clear.
 */
function synopsisArg(command: 'add' | 'set', f: TunnelField): string {
  const p = paramSpec(f);
  if (p.form === 'keepalive') return 'none|SECS[,RETRIES]';
  if (p.form === 'link' && command === 'set') return `${p.help.arg}|none`;
  return p.help.arg;
}

/**
 * The parameters' part of the synopsis of `command`: those that identify a
 * tunnel on the first line (after the name), the others on the next one
 * (indented under the first).
 */
function paramSynopsis(command: 'add' | 'set'): string {
  const entry = (f: TunnelField) => {
    const text = `${paramSpec(f).word} ${synopsisArg(command, f)}`;
    return isRequired(command, f) ? text : `[${text}]`;
  };
  const order = paramOrder(command);
  const identity = order.filter((f) => paramSpec(f).identity).map(entry);
  const others = order.filter((f) => !paramSpec(f).identity).map(entry);
  return `${identity.join(' ')}\n${' '.repeat(16)}${others.join(' ')}`;
}

/** One option line: the option and its value, then the text after the first 20 columns. */
function optionLine(option: string, text: string): string {
  return `  ${option.padEnd(16)}  ${text}`;
}

/** The parameters' option lines of `command`, one per parameter, without a final newline. */
function paramLines(command: 'add' | 'set'): string {
  return paramOrder(command)
    .map((f) => {
      const p = paramSpec(f);
      const text =
        isRequired(command, f) && !/\brequired$/.test(p.help.text) ? `${p.help.text}; required` : p.help.text;
      return optionLine(`${p.word} ${p.help.arg}`, text);
    })
    .join('\n');
}

const GLOBAL = `Global flags (anywhere a word is expected):
  -j, --json        print JSON (tunnel objects; see the CLI reference)
  -p, --pretty      print indented JSON (implies --json)
  -n, --netns NAME  act in network namespace NAME (/run/netns/NAME, or a path
                    such as /proc/PID/ns/net; a bare number is a name)
      --dry-run     add/set/del: check everything, print the request, send nothing;
                    apply: print the plan, change nothing
  -h, --help        help on the command`;

const OVERVIEW = `Usage: eoip [FLAGS] COMMAND [ARGS...]

Manage MikroTik-compatible EoIP (IPv4) and EoIPv6 tunnels over rtnetlink.

Commands:
  add | new        create a tunnel
  set | change     change a tunnel (only what is given)
  list | show      list tunnels (the default without a command)
  del | delete     delete a tunnel
  monitor          print tunnel events (added, changed, removed) until interrupted
  apply FILE       make the tunnels match a JSON/YAML file (--prune, --dry-run)
  doctor           check the host: privileges, driver modules, tunnel settings
  version          print the version (also --version, -v)
  help [COMMAND]   this text, or help on COMMAND (also --help, -h)

Every command and option word may be abbreviated to a prefix that is not
ambiguous (eoip a tu 7 rem 192.0.2.2 = eoip add tunnel-id 7 remote 192.0.2.2).
Numbers may be decimal, 0x hex or 0-prefixed octal (tos 0x10 = tos 16).

${GLOBAL}

Exit status: 0 ok; 1 bad usage or invalid input (nothing was sent);
2 the kernel refused (or another failure). doctor: 1 when a check failed.
Standard output that cannot be written (ENOSPC, EIO): one line, exit 2;
a closed pipe (eoip list | head -1) ends quietly with the command's status.

Examples:
  eoip add name eoip-hq local 192.0.2.1 remote 198.51.100.7 tunnel-id 100 keepalive 10,3 up
  eoip set name eoip-hq ttl 64
  eoip list detail
  eoip del eoip-hq
  eoip apply /etc/eoip/tunnels.yaml --prune --dry-run
  eoip monitor
  sudo eoip doctor
`;

/** `eoip help add`; made when asked for, from the parameter table. */
const addHelp = (): string => `Usage: eoip add [name NAME] ${paramSynopsis('add')}
                [mtu N] [address MAC|auto] [master DEV] [up|down]

Create a tunnel (alias: new). An IPv6 remote makes an eoipv6 tunnel.
  name NAME         interface name (1..15 bytes); default: the kernel picks eoipN / eoipv6N
${paramLines('add')}
  mtu N             68..65535; default: path MTU - 42 (eoip) / 56 (eoipv6)
  address MAC       MAC address, or 'auto' for one derived from kind, id and remote
  master DEV        bridge/bond to join, name or ifindex
  up | down         bring the interface up (or leave it down, the default)

Prints nothing on success; with -j the new tunnel as a JSON array of one.

${GLOBAL}

Examples:
  eoip add name eoip-hq local 192.0.2.1 remote 198.51.100.7 tunnel-id 100
  eoip add remote 2001:db8::7 tid 0x20 keepalive 10,3 master br0 up
  eoip --dry-run add remote 198.51.100.7 tunnel-id 5 ttl 64
`;

/** `eoip help set`; made when asked for, from the parameter table. */
const setHelp = (): string => `Usage: eoip set name NAME ${paramSynopsis('set')}
                [mtu N] [address MAC|auto] [master DEV|none] [up|down]

Change the tunnel NAME (alias: change). Only what is given changes; everything
else keeps its current value (keepalive included). A name that does not exist
is an error (exit 2): set never creates a tunnel. The address family cannot
change (delete and re-create instead). Options as for add; 'none' (or 0)
clears link and master.

Prints nothing on success; with -j the changed tunnel as a JSON array of one.

${GLOBAL}

Examples:
  eoip set name eoip-hq ttl 64
  eoip set name eoip-hq remote 198.51.100.8 keepalive none
  eoip set name eoip-hq master none down
`;

const LIST = `Usage: eoip list [name NAME] [kind eoip|eoipv6] [detail]

List tunnels (alias: show; also what eoip does without a command), one line
each, in the kernel's order, exactly as the reference tool prints them:
  <ifindex>: <name>@<link>: link/<kind> <local> remote <remote> tunnel-id <id> ttl <ttl> tos <tos> keepalive <k>
  name NAME         only this interface (prints nothing when it is not a tunnel)
  kind K            only eoip or only eoipv6 tunnels
  detail, -d        add a line per tunnel: flags (R running, X disabled, - no carrier),
                    mtu, mac-address, master, keepalive and rx/tx counters

With -j: a JSON array of tunnel objects (see the CLI reference).

${GLOBAL}

Examples:
  eoip list
  eoip show kind eoipv6 detail
  eoip -jp list name eoip-hq
`;

const DELETE = `Usage: eoip del NAME [NAME...]
       eoip del name NAME

Delete the tunnel NAME (alias: delete). Refuses interfaces that are not
eoip/eoipv6 tunnels (exit 1). Prints nothing on success.

Several names are deleted together (the kernel removes them behind one wait,
so hundreds take well under a second). Each one that fails gets its own line
on stderr and the others are still deleted; the exit status is that of the
worst failure. --dry-run takes one name.

${GLOBAL}

Examples:
  eoip del eoip-hq
  eoip del eoip-a eoip-b eoip-c
  eoip --dry-run delete name eoip-hq
`;

const MONITOR = `Usage: eoip monitor [kind eoip|eoipv6]

Print one line per tunnel event until interrupted (Ctrl-C, SIGTERM: exit 0):
  added <list line>
  changed <list line> (was: FIELD OLD -> NEW, ...)
  removed <list line>
  resync <n> tunnels
<list line> is the line eoip list prints. A changed line names what changed:
running (carrier; with keepalive on, false = the peer went silent), up, mtu,
keepalive, ttl, ... A resync follows lost events: the differences were printed
as ordinary events first.
  kind K            only eoip or only eoipv6 tunnels

With -j: one JSON object per line:
  {"type":"changed","tunnel":{...},"previous":{...},"time":"2024-05-01T12:00:00.000Z"}
tunnel and previous as in eoip list -j; a resync has "tunnels":[...] instead.

${GLOBAL}

Examples:
  eoip monitor
  eoip monitor kind eoipv6 -j
  eoip -n blue monitor
`;

const APPLY = `Usage: eoip apply FILE [--prune] [--dry-run]

Make the namespace's tunnels match FILE: create what is missing, change what
differs, leave what matches alone. FILE is YAML when its name ends in .yaml or
.yml, JSON otherwise; - reads JSON from standard input. See the apply guide for
the file ({"tunnels": [{"name": ..., "tunnelId": ..., "remote": ...}, ...]}).
FILE must be a regular file of at most 16 MiB (100,000 tunnels, nesting 64
deep); errors name the file, line, column and field.
  --prune           also delete the tunnels that are not in the file
  --dry-run         print the plan, change nothing

Prints the plan, one line per step (+ create, ~ change, -/+ replace, - delete,
= unchanged) and a count line; with -j one JSON object (see the CLI reference).

Exit status: 0 applied (or planned), also when nothing needed changing;
1 the file or an argument was refused: nothing was changed (the message names
the field, e.g. tunnels[0].tunnelId); 2 the kernel refused a step: the steps
before it stay applied ([done]), the rest were [skipped]; stderr says which.

${GLOBAL}

Examples:
  eoip apply /etc/eoip/tunnels.yaml --dry-run
  eoip apply /etc/eoip/tunnels.yaml --prune
  generate-tunnels | eoip apply - -j
`;

const DOCTOR = `Usage: eoip doctor

Check the host and print one line per check, with a fix under each check that
did not pass:
  PASS|WARN|FAIL  ID  DETAIL
                      fix: WHAT TO DO
then a count line. Checks: privileges (CAP_NET_ADMIN), kind:eoip and
kind:eoipv6 (driver modules; probed without creating anything),
keepalive:NAME and mtu:NAME for each tunnel. Changes nothing.

With -j: {"ok":...,"failed":N,"warnings":N,"checks":[{"id","status","detail","fix"}]}.

Exit status: 0 nothing failed (warnings allowed); 1 a check failed;
2 the checks could not run (e.g. the namespace cannot be opened).

${GLOBAL}

Examples:
  sudo eoip doctor
  eoip doctor -j
`;

const VERSION = `Usage: eoip version   (also eoip --version, eoip -v)

Print "eoip-netlink <version>"; with -j: {"name":"eoip-netlink","version":"<version>"}.
`;

const HELP = `Usage: eoip help [COMMAND]   (also eoip --help, eoip COMMAND --help)

Print the overview, or help on COMMAND (which may be abbreviated).
`;

/**
 * Where a guide is on this machine: the package ships docs/ beside dist/ (the
 * bin's folder); a checkout has it two levels above src/cli. A path the user
 * can open, or the guide's place in the package when neither is found.
 */
export function guidePath(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, '..', 'docs'), join(here, '..', '..', 'docs')]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return `docs/${name} in the eoip-netlink package`;
}

/** The help text of a command, or the overview, with where its guides are. Ends with a newline. */
export function helpText(topic?: CommandName): string {
  const guides = [`  CLI reference: ${guidePath('cli.md')}`];
  if (topic === 'apply') guides.push(`  apply guide:   ${guidePath('apply.md')}`);
  return `${helpBody(topic).replace(/\n+$/, '')}\n\nDocumentation:\n${guides.join('\n')}\n`;
}

/** The help text proper of a command, or the overview. */
function helpBody(topic?: CommandName): string {
  switch (topic) {
    case 'add':
      return addHelp();
    case 'set':
      return setHelp();
    case 'list':
      return LIST;
    case 'delete':
      return DELETE;
    case 'monitor':
      return MONITOR;
    case 'apply':
      return APPLY;
    case 'doctor':
      return DOCTOR;
    case 'version':
      return VERSION;
    case 'help':
      return HELP;
    default:
      return OVERVIEW;
  }
}
