// Words every surface uses.

export const common = {
  /** After a name that is not one: the known name closest to it. */
  didYouMean: (name: string) => ` (did you mean "${name}"?)`,
};
