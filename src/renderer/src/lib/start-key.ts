/**
 * A fresh idempotency key for one click of a form's submit: the service answers a second start
 * carrying the same key with the first one's job, so a double click or a retried request never
 * makes two jobs.
 */
export function newStartKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
