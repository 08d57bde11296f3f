// 简体中文：与英文（en/）有同样的键和同样的参数。术语以 lessons/zh-CN/GLOSSARY.md 为准。
import type { Catalogs } from '../en/index.ts';
import { build } from './build.ts';
import { cli } from './cli.ts';
import { common } from './common.ts';
import { containers } from './containers.ts';
import { core } from './core.ts';
import { doctor } from './doctor.ts';
import { engine } from './engine.ts';
import { images } from './images.ts';
import { kernel } from './kernel.ts';
import { ledger } from './ledger.ts';
import { lessons } from './lessons.ts';
import { runtime } from './runtime.ts';
import { ui } from './ui.ts';

export const zhCN: Catalogs = { build, cli, common, containers, core, doctor, engine, images, kernel, ledger, lessons, runtime, ui };
