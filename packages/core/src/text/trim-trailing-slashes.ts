/**
 * `https://host/a//` → `https://host/a`. A loop, not `/\/+$/`: that regex backtracks on long runs of
 * slashes that do not end the string (scripts/check-regex.mjs).
 */
export function trimTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 47) end--;
  return value.slice(0, end);
}
