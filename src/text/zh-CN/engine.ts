// 沙箱中的 Docker 引擎（src/engine）说的话。
import type { Catalogs } from '../en/index.ts';

export const engine: Catalogs['engine'] = {
  error: (message: string) => `boxlab engine: ${message}`,
  needsRoot: 'boxlab engine 需要 root：dockerd 要创建命名空间、挂载、控制组和防火墙规则。请用 sudo 运行。',
  running: (i: { pid: number; socket: string; dir: string; netns: string; docker: string }) =>
    `dockerd 以 pid ${i.pid} 运行在自己的网络命名空间（${i.netns}）中；状态保存在 ${i.dir}。\n`
    + `这样使用它：${i.docker} -H unix://${i.socket} ...\n按 Ctrl-C 停止它，并删除它创建的一切。`,
  missing: (program: string, pkg: string) => `没有安装 ${program}：引擎这一章的课运行的是 Debian 的 Docker 引擎（apt-get install ${pkg}）`,
  exitedAtStart: (log: string, last: string) => `dockerd 在启动过程中退出了（日志：${log}）${last ? `：${last}` : ''}`,
  noAnswer: (seconds: number, log: string, last: string) => `dockerd 在 ${seconds} 秒内没有在它的套接字上应答（日志：${log}）${last ? `：${last}` : ''}`,
};
