// The width of a line on the terminal, for ink: the bundle puts this module in place of
// the string-width package (package.json's --alias), so ink measures with the lab's own
// counter (src/text/width.ts): ASCII and the lab's symbols one column, Chinese and the
// other East Asian Wide and Fullwidth characters two, everything else as string-width
// says. test/ui/string-width.test.ts holds it to string-width's answers.
export { textWidth as default, NARROW_RANGES, WIDE_RANGES } from '../text/width.ts';
