/**
 * Date formats of Tieba pages, always in China time (UTC+8) whatever the
 * machine's time zone, so pages are byte-identical everywhere.
 */
const CST_MS = 8 * 3600_000;

interface Parts {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

function parts(ms: number): Parts {
  const t = new Date(ms + CST_MS);
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
  };
}

const p2 = (n: number) => String(n).padStart(2, '0');

/** "2024-08-05 16:56": floor tails on thread pages. */
export function fullTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p2(p.mo)}-${p2(p.d)} ${p2(p.h)}:${p2(p.mi)}`;
}

/** "2024-8-6 22:11": sub-comment pages, no zero padding. */
export function lzlTime(ms: number): string {
  const p = parts(ms);
  return `${p.y}-${p.mo}-${p.d} ${p.h}:${p2(p.mi)}`;
}

/** List page "created": HH:MM today, M-D this year, YYYY-MM older. */
export function createdLabel(ms: number, nowMs: number): string {
  const p = parts(ms);
  const now = parts(nowMs);
  if (p.y === now.y && p.mo === now.mo && p.d === now.d) return `${p2(p.h)}:${p2(p.mi)}`;
  if (p.y === now.y) return `${p.mo}-${p.d}`;
  return `${p.y}-${p2(p.mo)}`;
}

/** List page "last reply": HH:MM today, else M-D. */
export function replyLabel(ms: number, nowMs: number): string {
  const p = parts(ms);
  const now = parts(nowMs);
  if (p.y === now.y && p.mo === now.mo && p.d === now.d) return `${p2(p.h)}:${p2(p.mi)}`;
  return `${p.mo}-${p.d}`;
}

/** The site's fixed "now": a summer 2024 evening picked by the seed (never the real clock). */
export function siteNow(seed: number): number {
  const base = Date.UTC(2024, 6, 1, 12, 0); // 2024-07-01 20:00 China time
  return base + (seed % 60) * 86_400_000;
}
