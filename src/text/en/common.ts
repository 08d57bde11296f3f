// Words every surface uses.

export const common = {
  /** After a name that is not one: the known name closest to it. */
  didYouMean: (name: string) => ` (did you mean "${name}"?)`,
  /** Each language by its own name (the same in every catalog: a reader finds theirs). */
  languageNames: { en: 'English', 'zh-CN': '中文' } as Record<string, string>,
};
