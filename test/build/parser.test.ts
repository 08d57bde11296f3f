// The builder's pure parts: words and variables, the Containerfile parser (and its
// refusals, each with FILE:LINE), .dockerignore patterns, the config instructions, the
// cache key and which stages a target needs. No kernel here: test/build/build.test.ts
// builds for real.
import { describe, expect, it } from 'vitest';
import { cacheKey, chainId } from '../../src/build/cache.ts';
import { neededStages } from '../../src/build/executor.ts';
import { Ignore, parseIgnore } from '../../src/build/ignore.ts';
import { BuildFileError, parseContainerfile } from '../../src/build/parser.ts';
import { applyArg, applyConfig, emptyState, exposedPorts, runEnv, workdirOf, type StageState } from '../../src/build/state.ts';
import { parseDb } from '../../src/build/users.ts';
import { expandWord, expandWords, rawWords } from '../../src/build/words.ts';
import type { Digest } from '../../src/images/digest.ts';

const vars = new Map([['A', 'one'], ['EMPTY', ''], ['HOME', '/root']]);

describe('words and variables', () => {
  it('expands $NAME and ${NAME}, leaves single quotes alone, and takes \\ as an escape', () => {
    expect(expandWord('$HOME/app', vars)).toBe('/root/app');
    expect(expandWord('${A}x', vars)).toBe('onex');
    expect(expandWord("'$A'", vars)).toBe('$A');
    expect(expandWord('"$A b"', vars)).toBe('one b');
    expect(expandWord('\\$A', vars)).toBe('$A');
    expect(expandWord('$UNSET-', vars)).toBe('-');
    expect(expandWord('cost: $', vars)).toBe('cost: $');
  });

  it('has the default and alternative forms, with and without the colon', () => {
    expect(expandWord('${EMPTY:-d}', vars)).toBe('d');
    expect(expandWord('${EMPTY-d}', vars)).toBe('');
    expect(expandWord('${UNSET-d}', vars)).toBe('d');
    expect(expandWord('${A:+alt}', vars)).toBe('alt');
    expect(expandWord('${EMPTY:+alt}', vars)).toBe('');
    expect(expandWord('${EMPTY+alt}', vars)).toBe('alt');
    expect(expandWord('${UNSET:-$A and "more"}', vars)).toBe('one and more');
  });

  it('splits at unquoted blanks only', () => {
    expect(expandWords('a "b c" d\\ e $A', vars)).toEqual(['a', 'b c', 'd e', 'one']);
    expect(expandWords('x ""', vars)).toEqual(['x', '']);
    expect(rawWords('A="1 2" B=3')).toEqual(['A="1 2"', 'B=3']);
  });

  it('names what cannot be read', () => {
    expect(() => expandWord('"open', vars)).toThrow(/double quote is not closed/);
    expect(() => expandWord('${A', vars)).toThrow(/not closed/);
    expect(() => expandWord('${1}', vars)).toThrow(/variable name/);
  });
});

describe('the Containerfile parser', () => {
  const parse = (text: string) => parseContainerfile(text, 'Containerfile');
  const refusal = (text: string): string => {
    try {
      parse(text);
    } catch (err) {
      if (err instanceof BuildFileError) return err.message;
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it('reads stages, continuation lines, comments, JSON and shell forms, and flags', () => {
    const cf = parse([
      '# syntax=docker/dockerfile:1',
      'ARG BASE=scratch',
      'FROM $BASE AS build',
      '# a comment',
      'RUN echo one \\',
      '  # a comment inside is skipped',
      '  && echo two',
      'COPY --chown=1:2 ["a b", "/x/"]',
      '',
      'from build',
      'copy --from=build /x /y',
      'CMD ["sh", "-c", "echo hi"]',
      'ENTRYPOINT [ -f x ]',
    ].join('\n'));
    expect(cf.globalArgs.map((a) => a.text)).toEqual(['BASE=scratch']);
    expect(cf.stages.map((s) => [s.name, s.image, s.from.line])).toEqual([['build', '$BASE', 3], [undefined, 'build', 10]]);
    const [run, copy] = cf.stages[0]!.steps;
    expect(run).toMatchObject({ keyword: 'RUN', line: 5, text: 'echo one   && echo two' });
    expect(copy).toMatchObject({ keyword: 'COPY', line: 8, flags: { chown: '1:2' }, json: ['a b', '/x/'] });
    const [copy2, cmd, entry] = cf.stages[1]!.steps;
    expect(copy2).toMatchObject({ keyword: 'COPY', flags: { from: 'build' }, text: '/x /y' });
    expect(cmd!.json).toEqual(['sh', '-c', 'echo hi']);
    expect(entry!.json).toBeUndefined(); // not JSON: shell form, as Docker reads it
  });

  it('takes the escape directive', () => {
    const cf = parse('# escape=`\nFROM scratch\nRUN echo a `\n  b');
    expect(cf.escape).toBe('`');
    expect(cf.stages[0]!.steps[0]!.text).toBe('echo a   b');
  });

  it('refuses what it does not do by name, with FILE:LINE', () => {
    expect(refusal('FROM scratch\n\nHEALTHCHECK CMD true')).toMatch(/^Containerfile:3: HEALTHCHECK is a Dockerfile instruction boxlab build does not do/);
    expect(refusal('FROM scratch\nONBUILD RUN x')).toMatch(/^Containerfile:2: ONBUILD/);
    expect(refusal('FROM scratch\nSTOPSIGNAL TERM')).toMatch(/^Containerfile:2: STOPSIGNAL/);
    expect(refusal('FROM scratch\nCOPPY a b')).toMatch(/^Containerfile:2: unknown instruction COPPY \(did you mean "COPY"\?\)/);
    expect(refusal('FROM scratch\nRUN --mount=type=cache,target=/x make')).toMatch(/^Containerfile:2: RUN takes no flag \(--mount\)/);
    expect(refusal('FROM --platform=linux/arm64 scratch')).toMatch(/^Containerfile:1: FROM takes no flag/);
    expect(refusal('FROM scratch\nCOPY --chmod=755 a /b')).toMatch(/^Containerfile:2: COPY --chmod: boxlab build knows only --from and --chown/);
    expect(refusal('FROM scratch\nRUN <<EOF\necho\nEOF')).toMatch(/^Containerfile:2: heredocs/);
  });

  it('refuses malformed instructions with FILE:LINE', () => {
    expect(refusal('RUN true\nFROM scratch')).toMatch(/^Containerfile:1: RUN comes before the first FROM/);
    expect(refusal('# just a comment\n')).toMatch(/^Containerfile:1: there is no FROM/);
    expect(refusal('FROM a b')).toMatch(/^Containerfile:1: FROM takes an image/);
    expect(refusal('FROM scratch AS x\nFROM scratch AS X')).toMatch(/^Containerfile:2: a stage named x exists already/);
    expect(refusal('FROM scratch\nENV ONLYNAME')).toMatch(/^Containerfile:2: ENV ONLYNAME has no value/);
    expect(refusal('FROM scratch\nLABEL a=1 b')).toMatch(/^Containerfile:2: LABEL: "b" is not NAME=VALUE/);
    expect(refusal('FROM scratch\nSHELL /bin/bash -c')).toMatch(/^Containerfile:2: SHELL needs the JSON form/);
    expect(refusal('FROM scratch\nCOPY onlyone')).toMatch(/^Containerfile:2: COPY needs arguments/);
    expect(refusal('FROM scratch\nRUN')).toMatch(/^Containerfile:2: RUN needs arguments/);
    expect(refusal('FROM scratch\nENV A="unclosed')).toMatch(/^Containerfile:2: a double quote is not closed/);
    expect(refusal('FROM scratch\nARG 1x')).toMatch(/^Containerfile:2: ARG 1x/);
    expect(refusal('FROM scratch\nCOPY --from=a --from=b x y')).toMatch(/given twice/);
    expect(refusal('# escape=x\nFROM scratch')).toMatch(/^Containerfile:1: escape=x/);
    expect(refusal('FROM scratch\0')).toMatch(/NUL/);
    expect(refusal(`FROM scratch\n${'# pad\n'.repeat(200_000)}`)).toMatch(/larger than 1048576 bytes/);
  });
});

describe('.dockerignore', () => {
  const ig = (text: string) => new Ignore(parseIgnore(text));

  it('matches as Docker does: *, **, ?, classes, parents, and ! exceptions (the last match wins)', () => {
    const i = ig('# comment\n*.log\n/build\n**/tmp\ndocs/**/*.md\n!docs/keep.md\nsecret?.txt\n[ab].c\nlogs\n!logs/keep');
    expect(i.excludes('a.log')).toBe(true);
    expect(i.excludes('dir/a.log')).toBe(false); // * does not cross /
    expect(i.excludes('build/out/x')).toBe(true); // a parent matches
    expect(i.excludes('x/y/tmp/z')).toBe(true);
    expect(i.excludes('docs/a/b/c.md')).toBe(true);
    expect(i.excludes('docs/c.md')).toBe(true); // ** is zero directories too
    expect(i.excludes('docs/keep.md')).toBe(false);
    expect(i.excludes('secret1.txt')).toBe(true);
    expect(i.excludes('secret12.txt')).toBe(false);
    expect([i.excludes('a.c'), i.excludes('c.c')]).toEqual([true, false]);
    expect([i.excludes('logs'), i.excludes('logs/x'), i.excludes('logs/keep')]).toEqual([true, true, false]);
    expect(i.hasExceptions).toBe(true);
    expect(ig('').excludes('anything')).toBe(false);
  });
});

describe('config instructions', () => {
  const one = (text: string, state: StageState = emptyState()) => {
    const cf = parseContainerfile(`FROM scratch\n${text}`, 'Containerfile');
    for (const ins of cf.stages[0]!.steps) {
      if (ins.keyword === 'ARG') applyArg(state, ins, '\\', new Map([['GIVEN', 'g']]), new Map([['GLOBAL', 'gl']]));
      else applyConfig(state, ins, '\\');
    }
    return state;
  };

  it('ENV and LABEL: pairs, quotes, the old form, variables as they were before the line', () => {
    const s = one('ENV A=1 B="two words"\nENV C $A-x\nENV A=3 D=$A\nLABEL "com.x"="y z" v=$B');
    expect(s.config.Env).toEqual(['A=3', 'B=two words', 'C=1-x', 'D=1']);
    expect(s.config.Labels).toEqual({ 'com.x': 'y z', v: 'two words' });
  });

  it('ARG: --build-arg wins, then the default, then a global ARG; RUN sees ARGs ENV does not override', () => {
    const s = one('ARG GIVEN=default\nARG D=d\nARG GLOBAL\nARG NONE\nENV D=env');
    expect([...s.args]).toEqual([['GIVEN', 'g'], ['D', 'd'], ['GLOBAL', 'gl']]);
    expect(runEnv(s)).toEqual(['D=env', `PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, 'GIVEN=g', 'GLOBAL=gl']);
  });

  it('CMD, ENTRYPOINT and SHELL: exec and shell forms; ENTRYPOINT drops an inherited CMD only', () => {
    const s = emptyState();
    s.config.Cmd = ['inherited'];
    one('ENTRYPOINT ["/bin/app"]', s);
    expect(s.config.Cmd).toBeUndefined();
    const t = one('CMD echo hi\nSHELL ["/bin/ash", "-eo", "pipefail", "-c"]\nENTRYPOINT run it');
    expect(t.config.Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(t.config.Entrypoint).toEqual(['/bin/ash', '-eo', 'pipefail', '-c', 'run it']);
    expect(t.config.Shell).toEqual(['/bin/ash', '-eo', 'pipefail', '-c']);
  });

  it('EXPOSE, VOLUME, USER', () => {
    const s = one('ARG P=8080\nEXPOSE 80 $P/udp 9000-9001\nVOLUME /data ["/logs"]\nVOLUME ["/a", "/b"]\nUSER app:staff');
    expect(Object.keys(s.config.ExposedPorts!)).toEqual(['80/tcp', '8080/udp', '9000/tcp', '9001/tcp']);
    expect(Object.keys(s.config.Volumes!)).toEqual(['/data', '[/logs]', '/a', '/b']); // not JSON: words, quotes removed
    expect(s.config.User).toBe('app:staff');
    expect(() => exposedPorts('70000')).toThrow(/EXPOSE 70000/);
    expect(() => one('EXPOSE http')).toThrow(/^Containerfile:2: EXPOSE: EXPOSE http/);
  });

  it('WORKDIR goes on from the one before', () => {
    const s = emptyState();
    expect(workdirOf(s, 'app')).toBe('/app');
    s.config.WorkingDir = '/app';
    expect(workdirOf(s, 'src/../lib/')).toBe('/app/lib');
    expect(workdirOf(s, '/')).toBe('/');
  });
});

describe('cache keys and stages', () => {
  const d1 = `sha256:${'1'.repeat(64)}` as Digest;
  const d2 = `sha256:${'2'.repeat(64)}` as Digest;

  it('a key changes with the parent chain, the step, its context and its inputs, and only then', () => {
    const base = { parent: chainId([d1]), step: 'RUN ["make"]', context: { env: ['A=1'] }, inputs: 'x' };
    const k = cacheKey(base);
    expect(cacheKey({ ...base })).toBe(k);
    expect(cacheKey({ ...base, parent: chainId([d1, d2]) })).not.toBe(k);
    expect(cacheKey({ ...base, step: 'RUN ["make", "all"]' })).not.toBe(k);
    expect(cacheKey({ ...base, context: { env: ['A=2'] } })).not.toBe(k);
    expect(cacheKey({ ...base, inputs: 'y' })).not.toBe(k);
    // the chain: the same layer on another base is another parent
    expect(chainId([d1, d2])).not.toBe(chainId([d2, d1]));
    expect(chainId([d1])).toBe(d1);
  });

  it('builds only the stages the target needs', () => {
    const cf = parseContainerfile('FROM scratch AS a\nFROM scratch AS b\nFROM a AS c\nCOPY --from=1 x y\nFROM scratch AS d\nCOPY --from=c x y', 'C');
    expect([...neededStages(cf, 3)].sort()).toEqual([0, 1, 2, 3]);
    expect([...neededStages(cf, 2)].sort()).toEqual([0, 1, 2]);
    expect([...neededStages(cf, 1)]).toEqual([1]);
  });

  it('reads passwd and group', () => {
    expect(parseDb('root:x:0:0:root:/root:/bin/sh\n#c\napp:x:1000:100::/home/app:/bin/sh\n', 'passwd').map((r) => [r.name, r.id, r.gid, r.home]))
      .toEqual([['root', 0, 0, '/root'], ['app', 1000, 100, '/home/app']]);
    expect(parseDb('staff:x:50:app,bob\n', 'group')).toEqual([{ name: 'staff', id: 50, gid: 50, members: ['app', 'bob'] }]);
  });
});
