/**
 * Tieba shows times in China time (UTC+8) without saying so. Only forms that
 * name a full date are normalised to ISO 8601 with an explicit +08:00 offset;
 * the list page's short forms ('HH:MM' today, 'M-D' this year) need to know
 * which day "today" was on the server, which a page does not say, so they are
 * converted only when the caller supplies that day.
 */

const p2 = (n: string | number) => String(n).padStart(2, '0');

/** "2024-08-05 16:56" (floor tails) or "2024-8-6 22:11" (sub-comment pages) -> "2024-08-05T16:56:00+08:00". */
export function fullTimeIso(shown: string | undefined): string | undefined {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2})$/.exec(shown?.trim() ?? '');
  if (!m) return undefined;
  return `${m[1]}-${p2(m[2]!)}-${p2(m[3]!)}T${p2(m[4]!)}:${m[5]}:00+08:00`;
}

/** Unix seconds (totalComment's now_time) -> "2024-08-06T22:11:05+08:00". */
export function unixIso(seconds: unknown): string | undefined {
  const s = typeof seconds === 'string' ? Number(seconds) : seconds;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) return undefined;
  const t = new Date(s * 1000 + 8 * 3600_000);
  const date = `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())}`;
  return `${date}T${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}+08:00`;
}

/**
 * A list-page label with the server's "today" ("YYYY-MM-DD", China time):
 * 'HH:MM' -> full ISO time; 'M-D' -> 'YYYY-MM-DD' (this year); 'YYYY-MM' stays
 * as it is (already an ISO 8601 month). Without `today` only 'YYYY-MM' is
 * unambiguous.
 */
export function listDateIso(shown: string | undefined, today?: string): string | undefined {
  const s = shown?.trim() ?? '';
  if (/^\d{4}-\d{2}$/.test(s)) return s;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(today ?? '');
  if (!day) return undefined;
  const hm = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (hm) return `${today}T${p2(hm[1]!)}:${hm[2]}:00+08:00`;
  const md = /^(\d{1,2})-(\d{1,2})$/.exec(s);
  if (md) return `${day[1]}-${p2(md[1]!)}-${p2(md[2]!)}`;
  return undefined;
}
