// 核心的客户端（src/core）谈到核心本身时说的话：启动不了、已经退出、没有应答。
import type { Catalogs } from '../en/index.ts';
import { adviceInChinese } from './advice.ts';

export const core: Catalogs['core'] = {
  cannotStart: (binary: string, why: string) => `无法启动核心（${binary}）：${why}`,
  buildIt: '请先构建：npm run build（或 make -C native）',
  killed: (signal: string) => `核心被 ${signal} 杀死了`,
  exited: (code: number | null) => `核心已退出，退出状态 ${code}`,
  pipeBroke: (why: string) => `与核心之间的管道断了（${why}）`,
  closing: '核心正在关闭',
  gone: '核心已经不在了',
  noReply: (ms: number) => `${ms} 毫秒内没有应答`,
  writefileExited: (status: number | null) => `boxcore writefile 退出，状态 ${status}`,
  why: (explain: string) => `  原因：${explain}`,
  tryThis: (hint: string) => `  试试：${hint}`,
  advice: adviceInChinese,
  failed: '失败',
};
