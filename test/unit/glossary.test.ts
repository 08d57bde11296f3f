// The Chinese texts follow the glossary (lessons/zh-CN/GLOSSARY.md): each term is
// written one way, the way the reference documents write it, in the catalogs and in
// the translated lessons alike.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const GLOSSARY = join(ROOT, 'lessons/zh-CN/GLOSSARY.md');

/** The glossary's table: English, Chinese, and the spellings the Chinese texts must not use. */
function glossary(): { en: string; zh: string; not: string[] }[] {
  return readFileSync(GLOSSARY, 'utf8').split('\n')
    .filter((l) => l.startsWith('|') && !/^\|\s*(English|---)/.test(l))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim()))
    .map(([en, zh, not]) => ({ en: en!, zh: zh!, not: not ? not.split(/,\s*/).filter(Boolean) : [] }));
}

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

/** Every Chinese text: the zh-CN catalogs and the translated lessons. */
const chineseTexts = () => [
  ...files(join(ROOT, 'src/text/zh-CN'), /\.ts$/),
  ...files(join(ROOT, 'lessons/zh-CN'), /\.md$/).filter((f) => f !== GLOSSARY),
];

describe('the glossary', () => {
  it('has the terms of the reference documents', () => {
    const zh = glossary().map((t) => t.zh).join(' ');
    for (const term of ['命名空间', '控制组', '联合文件系统', '写时复制', '镜像层', '容器运行时']) expect(zh).toContain(term);
  });

  it('is followed by every Chinese text: no term is written a way it refuses', () => {
    const banned = [...glossary().flatMap((t) => t.not.map((n) => ({ n, term: t }))), { n: '您', term: { en: 'you', zh: '你' } }];
    const found: string[] = [];
    for (const f of chineseTexts()) {
      readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
        for (const { n, term } of banned) if (line.includes(n)) found.push(`${relative(ROOT, f)}:${i + 1}: "${n}" — the glossary says ${term.zh} (${term.en})`);
      });
    }
    expect(found).toEqual([]);
  });
});
