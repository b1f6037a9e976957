/**
 * The browser family of a User-Agent, for the QoE view by browser. Order matters: Edge, Opera and
 * Samsung Internet also say "Chrome", and Chrome also says "Safari". A handful of families is all
 * the admin view groups by, so a full UA parser would be weight without use.
 */
const FAMILIES: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\b(?:Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];

export function browserFamily(userAgent: string | undefined): string {
  if (!userAgent) return 'Other';
  for (const [re, name] of FAMILIES) if (re.test(userAgent)) return name;
  return 'Other';
}
