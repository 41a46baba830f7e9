// esbuild inlines just this field, so the published version is always the package's own.
import { version } from '../package.json';

export const VERSION: string = version;
