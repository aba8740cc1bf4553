/**
 * Keys that would name something outside a storage's own files (a parent directory, an absolute
 * path, an encoded or doubled separator, an empty or NUL-carrying segment): every storage refuses
 * each before touching its disk or bucket. Shared by the storages' specs.
 */
export const KEYS_OUTSIDE_THE_ROOT: readonly string[] = [
  '../secret',
  'a/../../secret',
  '/etc/passwd',
  'a//b',
  '.',
  'a/./b',
  'a/..',
  'a%2F..%2Fsecret',
  'a\\..\\secret',
  '',
  'a/b\u0000c',
];
