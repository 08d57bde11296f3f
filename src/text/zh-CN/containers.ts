// 关于在 `boxlab run -d` 之后继续存在的容器的每一句话（src/runtime/detached、
// src/runtime/logs，以及 ps、stop、rm、logs、stats 命令）：它们的选项、状态和出错时的说明。
// 表头沿用 Docker 的列名（脚本读它们），和英文相同。
import type { Catalogs } from '../en/index.ts';
import { containers as en } from '../en/containers.ts';

export const containers: Catalogs['containers'] = {
  humanDuration: (ms: number): string => {
    const seconds = Math.floor(ms / 1000);
    if (seconds < 1) return '不到一秒';
    if (seconds < 60) return `${seconds} 秒`;
    const minutes = Math.floor(seconds / 60);
    if (minutes === 1) return '大约一分钟';
    if (minutes < 60) return `${minutes} 分钟`;
    const hours = Math.round(ms / 3_600_000);
    if (hours === 1) return '大约一小时';
    if (hours < 48) return `${hours} 小时`;
    if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} 天`;
    if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} 周`;
    if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} 个月`;
    return `${Math.floor(ms / 3_600_000 / 24 / 365)} 年`;
  },

  needsContainer: (command: string) => `boxlab ${command} 至少需要一个容器：名字、ID 或 ID 的开头（boxlab ps -a 会列出它们）`,
  needsOneContainer: (command: string) => `boxlab ${command} 需要一个容器：名字、ID 或 ID 的开头（boxlab ps -a 会列出它们）`,

  flags: {
    badName: (name: string) => `--name ${name}：名字为 2 到 128 个字符，由字母、数字、_ . 和 - 组成，以字母或数字开头（与 Docker 相同）`,
    needsDetach: (flag: string) => `${flag} 用于比命令活得更久的容器：加上 -d（boxlab run -d ${flag} ...）`,
    rmAndRestart: '--rm 和 --restart 互相矛盾：退出时就被删除的容器无法重启',
    detachRootless: '暂不支持 -d 与 --user 同用：rootless（无需 root）容器只在 boxlab run 运行期间存在',
  },

  restart: {
    badPolicy: (text: string) => `--restart ${text}：请选择 no、on-failure[:MAX-RETRIES]、always 或 unless-stopped`,
    countOnlyOnFailure: (text: string, name: string) => `--restart ${text}：只有 on-failure 接受重试次数（${name} 会无休止地重启）`,
    badCount: (text: string) => `--restart ${text}：重试次数是一个整数（on-failure:3）`,
  },

  health: {
    needsCmd: (flag: string) => `--${flag} 需要 --health-cmd：判断容器是否健康的命令（退出码 0：健康）`,
    emptyCmd: '--health-cmd 是空的：请给出一条 shell 命令，例如 --health-cmd "wget -q -O- http://127.0.0.1/ || exit 1"',
    badDuration: (flag: string, text: string) => `--${flag} ${text}：需要一个时长，例如 30s、1m30s 或 500ms（至少 1ms；0 表示默认值）`,
    badRetries: (text: string) => `--health-retries ${text}：需要连续失败次数的整数（0 表示默认值 3）`,
    timedOut: (duration: string, output: string) => `健康检查超时（${duration}）${output ? `：${output}` : ''}`,
  },

  logs: {
    badMaxSize: (text: string) => `--log-opt max-size=${text}：需要一个大小，例如 10k、20m 或 1g（十进制，与 Docker 相同：10k 是 10000 字节）`,
    badMaxFile: (text: string) => `--log-opt max-file=${text}：需要 1 到 1000 之间的文件个数`,
    noCompress: (text: string) => `--log-opt compress=${text}：这里不写压缩的日志文件（默认 compress=false）`,
    unknownOpt: (key: string) => `--log-opt ${key}：json-file 日志驱动没有这个选项；认识的是 max-size 和 max-file`,
    fileNeedsSize: '--log-opt max-file 需要 max-size：只有当一个文件达到 max-size 时才会轮转',
    badTime: (flag: string, text: string) =>
      `${flag} ${text}：需要一个时间（2026-01-02T15:04:05Z、2026-01-02，或 1767366245 这样的 Unix 时间），或一个从现在往回算的时长（10m、1h30m）`,
    badTail: (text: string) => `--tail ${text}：需要行数，或 all`,
  },

  store: {
    notOurs: (path: string, why: string) => `跳过了 ${path}：${why}，而 boxlab 只读别人改不了的东西`,
    notPlainFile: '它不是只有你能写的、属于你的普通文件',
    unreadable: (file: string, code: string) => `无法读取 ${file}（${code}）`,
    tooBig: (file: string, max: number) => `跳过了 ${file}：大于 ${max >> 20} MiB，没有哪个监管进程会写出这么大的文件`,
    malformed: (file: string) => `跳过了 ${file}：不是 boxlab 写的容器记录（缺少某个字段，或字段类型不对）`,
    rootNotOurs: (root: string, why: string) => `不读取 ${root} 中的容器：${why}`,
    ambiguous: (ref: string, ids: string[]) => `${ref} 是 ${ids.length} 个容器 ID 的开头（${ids.join(', ')}）：请多给几位`,
    noSuch: (ref: string) => `没有这个容器：${ref}（boxlab ps -a 会列出它们）`,
    nameInUse: (name: string, id?: string) => id
      ? `名字 "${name}" 已被容器 ${id} 使用：请换一个 --name，或删除那个容器（boxlab rm -f ${name}）`
      : `名字 "${name}" 已被一个正在运行的 boxlab run 使用：请换一个 --name`,
  },

  control: {
    pathTooLong: (path: string, max: number) => `控制套接字 ${path} 超过 ${max} 字节，而 Unix 套接字的路径不能这么长：请选一个更短的 BOXLAB_STATE_DIR`,
    badRequest: '不是这个监管进程认识的请求',
    badReply: '监管进程的回答不是一个应答',
    noAnswer: (seconds: number) => `监管进程在 ${seconds} 秒内没有应答`,
    unreachable: (code: string) => `联系不上监管进程（${code}）`,
    stillRunning: (name: string) => `无法删除容器 ${name}：它正在运行。先停止它（boxlab stop ${name}），或强制删除（boxlab rm -f ${name}）`,
  },

  supervisor: {
    badHandoff: '监管进程没有拿到要运行的容器（它由 boxlab run -d 启动，而不是手动启动）',
  },

  launch: {
    noAnswer: (seconds: number) => `容器的监管进程在 ${seconds} 秒内没有说明它是否启动了；boxlab ps -a 显示它后来怎样了`,
    badAnswer: '容器的监管进程的回答不是一个答复',
    ended: (how: string) => `容器的监管进程在说明容器是否启动之前就结束了（${how}）`,
  },

  stop: {
    badTime: (text: string) => `--time ${text}：需要在 SIGKILL 之前等待的整秒数（0 到 86400）`,
    dead: (name: string) => `容器 ${name} 已死亡：它的监管进程被杀死了，所以什么都没有在运行；boxlab rm ${name}（或 boxlab cleanup）会删除它留下的东西`,
    noSupervisor: (name: string, why: string) => `无法通知容器 ${name} 的监管进程：${why}`,
    stillThere: (name: string, pid: number) => `容器 ${name} 的监管进程（pid ${pid}）30 秒后仍然存在；boxlab ps -a 会显示它`,
    cleanupFailed: (name: string, errors: string[]) => `未能删除容器 ${name} 留下的全部东西：${errors.join('；')}`,
  },

  ps: {
    head: en.ps.head,
    ago: (duration: string) => `${duration}前`,
    status: {
      up: (duration: string, health?: string) => `运行了 ${duration}${health ? `（${health === 'starting' ? '健康检查：启动中' : health === 'healthy' ? '健康' : health === 'unhealthy' ? '不健康' : health}）` : ''}`,
      paused: (duration: string) => `运行了 ${duration}（已暂停）`,
      restarting: (code: number, duration: string) => `正在重启（${code}）${duration}前`,
      exited: (code: number, duration: string) => `已退出（${code}）${duration}前`,
      created: '已创建',
      dead: '已死亡',
      removing: '正在删除',
    },
  },

  stats: {
    head: en.stats.head,
    none: en.stats.none,
  },
};
