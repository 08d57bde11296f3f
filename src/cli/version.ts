// boxlab's version, as `boxlab --version` says it.
export const VERSION = '0.1.0';
