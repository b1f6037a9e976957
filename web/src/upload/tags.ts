/**
 * Tags as a person types them: "Harbour, #timelapse , sea" → ["harbour", "timelapse", "sea"].
 * Comma-separated, a leading # dropped, lower case, no duplicates; within the API's limits
 * (20 tags of up to 40 characters), which the form states rather than silently cutting.
 */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

export function parseTags(text: string): string[] {
  const tags = text.split(',').map((t) => t.trim().replace(/^#+/, '').replace(/\s+/g, ' ').trim().toLowerCase()).filter(Boolean);
  return [...new Set(tags)];
}

/** What is wrong with the tags, in words, or null when the API will take them. */
export function tagsProblem(tags: string[]): string | null {
  if (tags.length > MAX_TAGS) return `Up to ${MAX_TAGS} tags: remove ${tags.length - MAX_TAGS}.`;
  const long = tags.find((t) => t.length > MAX_TAG_LENGTH);
  return long ? `Tags are up to ${MAX_TAG_LENGTH} characters: “${long.slice(0, 20)}…” is ${long.length}.` : null;
}

/** The search a tag links to. */
export function tagSearchPath(tag: string): string {
  return `/search?q=${encodeURIComponent(`#${tag}`)}`;
}
