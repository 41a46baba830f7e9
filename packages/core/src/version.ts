// Replaced at build time (tsup `define`, vitest `define`) with package.json's version, so the
// published dist always states the version it was built as.
declare const __CORE_VERSION__: string | undefined;

/** This copy of core's version; providers' `meta.core` ranges are checked against it. */
export const CORE_VERSION: string = typeof __CORE_VERSION__ === 'string' ? __CORE_VERSION__ : '0.0.0-dev';
