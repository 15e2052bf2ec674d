/** Escaping for the two places text goes into markup. */

const TEXT: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ATTR: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text between tags. */
export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => TEXT[c]!);
}

/** Any attribute value, single- or double-quoted. */
export function escapeAttr(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ATTR[c]!);
}

/**
 * A data-field attribute the way Tieba writes it: single quotes around JSON. The
 * characters that could end the attribute or start markup are escaped inside the
 * JSON (\u0027 ...), so the attribute holds no entities and stays compact.
 */
export function dataField(value: unknown): string {
  return `data-field='${jsonForAttr(value)}'`;
}

const JSON_ESC: Record<string, string> = { "'": '\\u0027', '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };

export function jsonForAttr(value: unknown): string {
  return JSON.stringify(value).replace(/['<>&]/g, (c) => JSON_ESC[c]!);
}

/** A JSON string literal safe inside <script> (no "</script>" can close it early). */
export function scriptString(text: string): string {
  return JSON.stringify(text).replace(/</g, '\\u003c');
}
