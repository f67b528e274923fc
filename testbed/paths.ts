// Where the test bed's own files live, for modules that need to point a child process at them.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const testbedDir = dirname(fileURLToPath(import.meta.url));
