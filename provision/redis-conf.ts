import { randomInt } from 'node:crypto';
import { LabConfigError } from './config/errors.ts';
import { SECRET_PATTERN } from './config/schema.ts';
import { labAclLines, type RedisAclOptions } from './redis-acl.ts';

/**
 * Pure text transformations of /etc/redis/redis.conf (Debian's file, or any
 * redis.conf): the article's two edits, and the lab's safer default on top.
 * No I/O, so they are tested against the real file without touching it; the
 * provisioning step reads the file over a transport, calls these, and writes
 * the result back only when `changed` is not empty.
 *
 * Redis reads a line as a directive when, after trimming spaces, it does not
 * start with '#'; the directive name is case-insensitive. We use the same
 * rule, so `  BIND 10.0.0.1` counts as active and `# bind 127.0.0.1 ::1` (the
 * documentation examples, lines 69-71 and 99 of Debian's file) never does.
 * Line endings (LF or CRLF) and the final newline are kept as found.
 */

export interface ConfResult {
  text: string;
  /** One entry per changed line, `<line>: <before> -> <after>` (secrets redacted); empty = nothing to do. */
  changed: string[];
}

interface Directive {
  name: string;
  /** The arguments as written, quotes removed, for comparisons. */
  args: string;
}

function directiveOf(line: string): Directive | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return undefined;
  const [name = '', ...rest] = trimmed.split(/\s+/);
  return { name: name.toLowerCase(), args: rest.join(' ').replace(/^"(.*)"$/, '$1') };
}

/** Keep a CRLF line's '\r' when replacing its content. */
function replaced(old: string, content: string): string {
  return old.endsWith('\r') ? `${content}\r` : content;
}

class Editor {
  readonly lines: string[];
  readonly changed: string[] = [];
  private readonly crlf: boolean;

  constructor(text: string) {
    this.lines = text.split('\n');
    this.crlf = this.lines.length > 1 && this.lines[0]!.endsWith('\r');
  }

  set(i: number, content: string, shown = content): void {
    const before = this.lines[i]!;
    this.lines[i] = replaced(before, content);
    this.changed.push(`${i + 1}: ${redact(before.trimEnd())} -> ${shown}`);
  }

  /** Add a line at the end, before the final newline if there is one. */
  append(content: string, shown = content): void {
    const line = this.crlf ? `${content}\r` : content;
    let at = this.lines.length - 1;
    if (this.lines[at] === '') this.lines.splice(at, 0, line);
    else at = this.lines.push(line) - 1;
    this.changed.push(`${at + 1}: (added) -> ${shown}`);
  }

  /**
   * `name value` wins: every active line of that directive is set to it; with
   * none, the first commented example (`example`) is replaced, else it is appended.
   */
  directive(name: string, value: string, example?: RegExp, secret = false): void {
    const content = `${name} ${value}`;
    const shown = secret ? `${name} <redacted>` : content;
    let found = false;
    this.lines.forEach((line, i) => {
      const d = directiveOf(line);
      if (d?.name !== name) return;
      found = true;
      if (d.args !== value) this.set(i, content, shown);
    });
    if (found) return;
    const at = example ? this.lines.findIndex((line) => example.test(line.trim())) : -1;
    if (at >= 0) this.set(at, content, shown);
    else this.append(content, shown);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

function redact(line: string): string {
  const d = directiveOf(line);
  if (d?.name === 'requirepass') return 'requirepass <redacted>';
  // a user line's password hash (#...) or clear-text password (>...)
  if (d?.name === 'user') return line.replace(/(^|\s)([#>])\S+/g, '$1$2<redacted>');
  return line;
}

function articleEdits(editor: Editor, bind?: readonly string[]): void {
  let protectedSeen = false;
  const wantedBind = bind?.join(' ');
  let bindSet = false;
  editor.lines.forEach((line, i) => {
    const d = directiveOf(line);
    // Edit 1: comment out every active bind, so Redis listens on all interfaces (Redis 7: `* -::*`);
    // the lab instead binds the addresses it names (the first active bind line, the rest commented out).
    if (d?.name === 'bind') {
      if (wantedBind !== undefined && !bindSet) {
        bindSet = true;
        if (d.args !== wantedBind) editor.set(i, `bind ${wantedBind}`);
      } else editor.set(i, `# ${line.replace(/\r$/, '')}`);
    }
    // Edit 2: protected mode off, or Redis answers remote clients with DENIED when no password is set.
    if (d?.name === 'protected-mode') {
      protectedSeen = true;
      if (d.args.toLowerCase() !== 'no') editor.set(i, 'protected-mode no');
    }
  });
  // Without the line Redis defaults to `protected-mode yes`, so say `no` explicitly.
  if (!protectedSeen) editor.append('protected-mode no');
  if (wantedBind !== undefined && !bindSet) {
    // no active bind: the line the article commented out (Debian's), else the end of the file
    const mine = `# bind ${wantedBind}`;
    const at = editor.lines.findIndex((line) => {
      const t = line.trim();
      return /^#\s*bind 127\.0\.0\.1 -::1$/.test(t) || t === mine;
    });
    if (at >= 0) editor.set(at, `bind ${wantedBind}`);
    else editor.append(`bind ${wantedBind}`);
  }
}

/** The lab's `user` lines: each user's first active line set, later ones for it commented out, missing ones appended. */
function setUsers(editor: Editor, o: RedisAclOptions): void {
  for (const want of labAclLines(o)) {
    let found = false;
    editor.lines.forEach((line, i) => {
      const d = directiveOf(line);
      if (d?.name !== 'user' || d.args.split(/\s+/)[0] !== want.user) return;
      if (found) editor.set(i, `# user ${want.user} (a second line, replaced by the one above)`);
      else if (line.trim() !== want.line) editor.set(i, want.line, want.shown);
      found = true;
    });
    if (found) continue;
    // a line article_exact commented out comes back where it was
    const at = editor.lines.findIndex((l) => l.trim() === `# user ${want.user} (removed by article_exact)`);
    if (at >= 0) editor.set(at, want.line, want.shown);
    else editor.append(want.line, want.shown);
  }
}

/** Article-exact: no Redis user but the built-in `default` (on, no password), as the article has it. */
function removeUsers(editor: Editor): void {
  editor.lines.forEach((line, i) => {
    const d = directiveOf(line);
    if (d?.name === 'user') editor.set(i, `# user ${d.args.split(/\s+/)[0]} (removed by article_exact)`);
  });
}

/**
 * Article-exact on a lab provisioned before with a password: the active
 * requirepass goes back to Debian's commented example, so Redis really has no
 * password again (the article's mode) and a later plain lab:up shows the same
 * edit as the first one.
 */
function removePassword(editor: Editor): void {
  let restored = false;
  editor.lines.forEach((line, i) => {
    if (directiveOf(line)?.name !== 'requirepass') return;
    if (restored) editor.set(i, '# requirepass (removed by article_exact)');
    else editor.set(i, '# requirepass foobared');
    restored = true;
  });
}

/**
 * The article's two edits, exactly: `protected-mode yes` -> `protected-mode no`
 * and the active `bind 127.0.0.1 -::1` commented out (`# bind 127.0.0.1 -::1`).
 * Commented examples stay untouched; a second run changes nothing.
 */
export function applyArticleEdits(text: string): ConfResult {
  const editor = new Editor(text);
  articleEdits(editor);
  return { text: editor.text(), changed: editor.changed };
}

export interface LabRedisOptions {
  /** Required unless articleExact: letters and digits only (see lab.yaml redis.password). */
  password?: string;
  /** true = the article's open configuration only: no password, no persistence change. */
  articleExact: boolean;
  /** Redis port (lab.yaml redis.port). */
  port: number;
  /**
   * Outside articleExact: the addresses Redis listens on (the master's lab
   * address and 127.0.0.1), replacing the article's commented-out bind, so
   * Redis answers neither other interfaces nor IPv6 (link-local included).
   * Undefined: the article's edit (bind commented out), as local labs bind
   * their own loopback address afterwards.
   */
  bind?: readonly string[];
  /**
   * Outside articleExact: Redis users instead of `requirepass` (./redis-acl.ts):
   * `default` off, the crawl's user with `password`, and an admin user.
   * Undefined: `requirepass <password>` for the default user (the lesson's
   * hand edit).
   */
  acl?: Omit<RedisAclOptions, 'crawlerPassword'>;
  /**
   * Outside articleExact (lab.yaml redis.tls): Redis speaks TLS only on `port`
   * (`tls-port`, `port 0`: no plaintext listener), with these files on the
   * master; clients need not show a certificate (`tls-auth-clients no`: they
   * log in with their Redis user). Undefined: plain TCP, and any active tls-*
   * line an earlier lab:up wrote is commented out.
   */
  tls?: RedisTlsFiles;
}

/** Paths on the master of the server's certificate, its key and the lab CA's certificate. */
export interface RedisTlsFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** Paths go unquoted into redis.conf: absolute, no spaces or quotes. */
const CONF_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** TLS only: the lab's port becomes `tls-port`, `port 0` closes the plaintext one; Debian's commented examples are reused. */
function setTls(editor: Editor, port: number, files: RedisTlsFiles): void {
  editor.directive('port', '0');
  editor.directive('tls-port', String(port), /^#\s*tls-port\s+\d+$/);
  editor.directive('tls-cert-file', files.certFile, /^#\s*tls-cert-file\s+\S+$/);
  editor.directive('tls-key-file', files.keyFile, /^#\s*tls-key-file\s+\S+$/);
  editor.directive('tls-ca-cert-file', files.caFile, /^#\s*tls-ca-cert-file\s+\S+$/);
  editor.directive('tls-auth-clients', 'no', /^#\s*tls-auth-clients\s+no$/);
}

/** Plain TCP again (redis.tls false, or article_exact): every active tls-* line is commented out. */
function removeTls(editor: Editor): void {
  editor.lines.forEach((line, i) => {
    const d = directiveOf(line);
    if (d?.name.startsWith('tls-')) editor.set(i, `# ${line.trim()}`);
  });
}

/**
 * The lab's Redis configuration: the article's edits, plus by default
 * - `requirepass <password>`: the queue is reachable from the lab network, so
 *   it needs a password (replaces Debian's `# requirepass foobared` example);
 * - `appendonly yes` + `appendfsync everysec`: the queue and fingerprints
 *   survive a Redis restart with at most a second lost (the `save` snapshots
 *   stay as Debian ships them);
 * and `port <port>` when it is not already set so.
 */
export function applyLabRedisConfig(text: string, options: LabRedisOptions): ConfResult {
  const { password, articleExact, port, bind } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LabConfigError('redis.port', `got ${port}, expected a whole number from 1 to 65535`, {
      value: port,
      source: 'applyLabRedisConfig',
      hint: 'set redis.port in lab.yaml to a free TCP port such as 6379.',
    });
  }
  if (articleExact && password !== undefined) {
    throw new LabConfigError('redis.article_exact', 'is true, but a password was also given', {
      source: 'applyLabRedisConfig',
      hint: 'article_exact reproduces the article: Redis without a password. Pass either articleExact: true or a password.',
    });
  }
  if (!articleExact && (password === undefined || !SECRET_PATTERN.test(password))) {
    throw new LabConfigError(
      'redis.password',
      password === undefined ? 'is missing' : 'is not 8 to 128 letters and digits',
      {
        source: 'applyLabRedisConfig',
        hint: 'use redis.password: auto (generated), or 8 to 128 letters and digits: the value is written unquoted into redis.conf and redis:// URLs.',
      },
    );
  }
  for (const address of bind ?? []) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address))
      throw new LabConfigError('nodes[master].ip', `"${address}" is not an IPv4 address to bind Redis to`, {
        value: address,
        source: 'applyLabRedisConfig',
        hint: "give the master an IPv4 address inside network.cidr, such as '192.168.56.10'",
      });
  }
  const tls = articleExact ? undefined : options.tls;
  for (const [key, path] of Object.entries(tls ?? {})) {
    if (!CONF_PATH.test(path))
      throw new LabConfigError('redis.tls', `${key} "${path}" is not an absolute path without spaces`, {
        value: path,
        source: 'applyLabRedisConfig',
        hint: "the certificate paths are written unquoted into redis.conf: use the lab's own (provision/tls/)",
      });
  }
  const editor = new Editor(text);
  articleEdits(editor, articleExact ? undefined : bind);
  if (tls) setTls(editor, port, tls);
  else {
    editor.directive('port', String(port));
    removeTls(editor);
  }
  if (articleExact) {
    removePassword(editor);
    removeUsers(editor);
  } else if (options.acl) {
    removePassword(editor);
    setUsers(editor, { ...options.acl, crawlerPassword: password! });
    editor.directive('appendonly', 'yes');
    editor.directive('appendfsync', 'everysec');
  } else {
    editor.directive('requirepass', password!, /^#\s*requirepass\s+\S+$/, true);
    editor.directive('appendonly', 'yes');
    editor.directive('appendfsync', 'everysec');
  }
  return { text: editor.text(), changed: editor.changed };
}

export interface RedisConfCheck {
  /** An active `protected-mode no` (the last one wins, as in Redis). */
  protectedModeOff: boolean;
  /** Active bind lines as written; empty = listening on every interface. */
  activeBind: string[];
  /** Both of the article's edits are in place. */
  articleEdits: boolean;
  requirepass: boolean;
  appendonly: boolean;
  /** The port Redis will listen on (6379 when no `port` line): the tls-port when TLS is on. */
  port: number;
  /** An active tls-port: Redis answers TLS there (and plain TCP only if `port` is not 0). */
  tls: boolean;
}

/** Which edits a redis.conf has, for lab:doctor and the lessons. */
export function checkRedisConf(text: string): RedisConfCheck {
  const last = new Map<string, string>();
  const activeBind: string[] = [];
  for (const line of text.split('\n')) {
    const d = directiveOf(line);
    if (!d) continue;
    last.set(d.name, d.args);
    if (d.name === 'bind') activeBind.push(line.trim());
  }
  const protectedModeOff = last.get('protected-mode')?.toLowerCase() === 'no';
  return {
    protectedModeOff,
    activeBind,
    articleEdits: protectedModeOff && activeBind.length === 0,
    requirepass: (last.get('requirepass') ?? '') !== '',
    appendonly: last.get('appendonly')?.toLowerCase() === 'yes',
    port: Number(last.get('tls-port') ?? last.get('port') ?? 6379),
    tls: last.has('tls-port'),
  };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh password for `password: auto`: 32 letters and digits (~190 bits), unbiased. */
export function generateLabPassword(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}
