// The core explains a kernel error in English (native/errors.c: an explanation and a
// hint for each op and errno); the lab says it in the language it speaks. Every
// template of the core's table has its Chinese, with the same {path}, and what the core
// said (the path filled in) comes back in Chinese with that path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreError } from '../../src/core/errors.ts';
import { ADVICE } from '../../src/text/zh-CN/advice.ts';
import { core, useLanguage } from '../../src/text/index.ts';

afterEach(() => useLanguage('en'));

/** The C string literals of each entry of errors.c's table, joined as C joins adjacent
 *  ones, by field: { op, errno, variant, explain, hint }; and the fallback advice. */
function coreTemplates(): string[] {
  const src = readFileSync(join(import.meta.dirname, '../../native/errors.c'), 'utf8');
  const start = src.indexOf('static const struct entry table[] = {');
  const table = src.slice(start, src.indexOf('\n};', start)).replace(/\/\*[\s\S]*?\*\//g, '');
  const body = table.slice(table.indexOf('{') + 1);
  const templates: string[] = [];
  let depth = 0;
  let fields: (string | undefined)[] = [];
  let cur: string | undefined;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') {
      let s = '';
      for (i++; body[i] !== '"'; i++) {
        if (body[i] === '\\') { i++; s += ({ n: '\n', t: '\t' } as Record<string, string>)[body[i]!] ?? body[i]; } else s += body[i];
      }
      cur = (cur ?? '') + s;
    } else if (c === '{') { depth++; fields = []; cur = undefined; }
    else if (c === '}') { fields.push(cur); templates.push(...[fields[3], fields[4]].filter((x): x is string => !!x)); depth--; cur = undefined; }
    else if (c === ',' && depth === 1) { fields.push(cur); cur = undefined; }
  }
  const fallback = /return \(struct advice\)\{ "([^"]*)", "([^"]*)" \};/.exec(src)!;
  return [...new Set([...templates, fallback[1]!, fallback[2]!])];
}

describe("the core's explanations in Chinese", () => {
  const templates = coreTemplates();

  it('has every template of the core, and no other, each with the same {path}', () => {
    expect(templates.length).toBeGreaterThan(150);
    expect(templates.filter((t) => !Object.hasOwn(ADVICE, t)), 'translate these in src/text/zh-CN/advice.ts').toEqual([]);
    expect(Object.keys(ADVICE).filter((t) => !templates.includes(t)), 'no longer in native/errors.c').toEqual([]);
    const count = (s: string) => s.split('{path}').length;
    expect(Object.entries(ADVICE).filter(([en, zh]) => count(en) !== count(zh) || !/[\u4e00-\u9fff]/.test(zh)).map(([en]) => en)).toEqual([]);
  });

  it('turns what the core said into Chinese, the path it named put back, the more particular template first', () => {
    useLanguage('zh-CN');
    expect(core.advice('/box/etc is not a directory')).toBe('/box/etc 不是目录');
    expect(core.advice('/box/etc (or a part of it) is not a directory')).toBe('/box/etc（或它的某一部分）不是目录');
    expect(core.advice('bind-mount it onto itself first: mount --bind /r /r')).toBe('先把它绑定挂载到它自己上：mount --bind /r /r');
    expect(core.advice('a hostname is at most 64 bytes')).toBe('主机名最多 64 字节');
    expect(core.advice('the path does not exist')).toBe('该路径 不存在');
    expect(core.advice('something the core never says')).toBe('something the core never says');
  });

  it('is what a CoreError carries when the lab speaks Chinese, and English when it speaks English', () => {
    const info = { kind: 'syscall' as const, message: 'sethostname: Invalid argument', errno: 'EINVAL', explain: 'a hostname is at most 64 bytes', hint: 'choose a shorter name' };
    expect(new CoreError('sethostname', info)).toMatchObject({ explain: 'a hostname is at most 64 bytes', hint: 'choose a shorter name' });
    useLanguage('zh-CN');
    expect(new CoreError('sethostname', info)).toMatchObject({ explain: '主机名最多 64 字节', hint: '换一个短一些的名字', message: 'sethostname: Invalid argument' });
  });
});
