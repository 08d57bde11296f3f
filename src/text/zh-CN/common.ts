// 各个界面共用的词。
import type { Catalogs } from '../en/index.ts';

export const common: Catalogs['common'] = {
  didYouMean: (name: string) => `（是不是想写 "${name}"？）`,
  languageNames: { en: 'English', 'zh-CN': '中文' },
};
