// Types for scripts/build.mjs, so TypeScript tests can import it.
export function digestBuildInputs(root: string): string;
export function whyBuild(root: string, digest?: string): string | undefined;
export function buildAndStamp(root: string, build: () => void, digest?: string): void;
export function buildIfChanged(root: string, build: () => void, log?: (line: string) => void): boolean;
export function runBuild(root: string): void;
