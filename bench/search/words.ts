/**
 * Word lists for a generated catalogue that reads like a video site's: subjects, places and
 * kinds of video for titles; tags; and filler for descriptions. A few accented and hyphenated
 * words keep unaccent and the compound handling busy. Words are drawn with a skew (the first of
 * each list most often), as real vocabularies are.
 */
export const SUBJECTS = [
  'harbour', 'music', 'guitar', 'piano', 'cooking', 'bread', 'sourdough', 'coffee', 'travel', 'train', 'ferry', 'city',
  'mountain', 'volcano', 'forest', 'river', 'ocean', 'beach', 'sunset', 'storm', 'lightning', 'snow', 'desert', 'island',
  'cat', 'dog', 'kestrel', 'owl', 'whale', 'narwhal', 'octopus', 'garden', 'tomato', 'bicycle', 'skateboard', 'football',
  'chess', 'drone', 'camera', 'lens', 'film', 'documentary', 'lecture', 'physics', 'history', 'castle', 'cathedral',
  'market', 'festival', 'concert', 'orchestra', 'jazz', 'synthesizer', 'woodworking', 'pottery', 'knitting', 'painting',
  'café', 'crème brûlée', 'amélie', 'piñata', 'smörgåsbord', 'jalapeño', 'naïve', 'façade', 'fiancée', 'rendezvous',
];
export const PLACES = [
  'london', 'paris', 'tokyo', 'lisbon', 'são paulo', 'zürich', 'reykjavík', 'kraków', 'montréal', 'istanbul', 'cairo',
  'new york', 'berlin', 'oslo', 'nairobi', 'lima', 'hanoi', 'seoul', 'sydney', 'vancouver', 'marseille', 'porto',
];
export const KINDS = [
  'time-lapse', 'tutorial', 'review', 'walkthrough', 'vlog', 'live', 'highlights', 'behind-the-scenes', 'explained',
  'for beginners', 'in 4k', 'compilation', 'interview', 'q&a', 'unboxing', 'first look', 'deep dive', 'diary', 'tour',
];
export const TAGS = [
  'travel', 'music', 'howto', 'nature', 'food', 'diy', 'science', 'sports', 'gaming', 'art', 'education', 'comedy',
  'animals', 'film', 'timelapse', 'drone', 'asmr', 'history', 'tech', 'cars', 'fashion', 'fitness', 'news', 'kids',
];
export const FILLER = [
  'the', 'a', 'of', 'and', 'to', 'in', 'we', 'this', 'is', 'with', 'on', 'for', 'our', 'new', 'video', 'today', 'watch',
  'how', 'make', 'best', 'day', 'first', 'time', 'years', 'people', 'world', 'light', 'morning', 'evening', 'night',
  'friends', 'episode', 'series', 'subscribe', 'thanks', 'filmed', 'shot', 'edited', 'recorded', 'slow', 'quick',
  'easy', 'simple', 'beautiful', 'amazing', 'quiet', 'loud', 'old', 'small', 'big', 'long', 'short', 'story', 'tips',
];
