import { MEDIA_LIMITS, type MediaAttributes, type MediaFocus } from '@mammut/contracts';
import { Errors } from '../../../http/errors';
import { isId, toStr } from '../../../http/params';

const FOCUS_INVALID = 'Validation failed: Focus must be two numbers from -1.0 to 1.0, as "x,y"';

/** `focus=x,y` with each in -1..1 (Mastodon's focal point); absent or empty is no focus. */
export function focusOf(value: unknown): MediaFocus | undefined {
  const text = toStr(value)?.trim();
  if (!text) return undefined;
  const parts = text.split(',');
  if (parts.length !== 2) throw Errors.unprocessable(FOCUS_INVALID);
  const [x, y] = parts.map((part) => (/^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/.test(part) ? Number(part) : NaN));
  if (![x, y].every((n) => Number.isFinite(n) && n >= -1 && n <= 1))
    throw Errors.unprocessable(FOCUS_INVALID);
  return { x, y };
}

/** Alt text, cut one character past the limit: enough for the service to refuse it. */
export function descriptionOf(value: unknown): string | undefined {
  return toStr(value)?.slice(0, MEDIA_LIMITS.descriptionLength + 1);
}

/**
 * An edit's `media_attributes[]` (each `id`, `description`, `focus`), as a JSON list or a form's
 * `media_attributes[0][id]=…`; entries without an id are left out, one past the limit at most.
 */
export function mediaAttributesOf(value: unknown): MediaAttributes[] {
  const entries: unknown[] = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object'
      ? Object.values(value)
      : [];
  return entries
    .flatMap((entry): MediaAttributes[] => {
      if (entry === null || typeof entry !== 'object') return [];
      const fields = entry as Record<string, unknown>;
      const id = toStr(fields.id);
      if (id === undefined || !isId(id)) return [];
      const description = descriptionOf(fields.description);
      const focus = focusOf(fields.focus);
      return [
        { id, ...(description !== undefined && { description }), ...(focus !== undefined && { focus }) },
      ];
    })
    .slice(0, MEDIA_LIMITS.perStatus + 1);
}
