// A namespace view as the kernel layer builds it, for tests of what draws it: net shared
// with the host, uts at the inode given (new unless it is the host's). The words are read
// when it is called, so a test that switched language gets the view in that language.
import type { View } from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';

export function nsView(uts: string, o: { extra?: boolean; notes?: string[] } = {}): View {
  return {
    name: 'ns',
    title: words.titles.ns,
    columns: ['type', 'inode', 'host', 'state'],
    rows: [
      { key: 'net', cells: { type: 'net', inode: '4026531833', host: '4026531833', state: words.nsShared } },
      { key: 'uts', cells: { type: 'uts', inode: uts, host: '4026531838', state: uts === '4026531838' ? words.nsShared : words.nsNew } },
      ...(o.extra ? [{ key: 'ipc', cells: { type: 'ipc', inode: '4026532001', host: '4026531839', state: words.nsNew } }] : []),
    ],
    notes: o.notes ?? [],
  };
}
