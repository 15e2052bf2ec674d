import { type Lang, SECTIONS } from './model.ts';

/**
 * Every line the lesson runner itself prints (not the lesson's text, not the
 * commands' output), in each language of the tutorial. `npm run lab:lesson --
 * <n> --lang zh` speaks Chinese from the first step header to the last hint.
 */
export interface RunnerText {
  skipped(step: number, from: number): string;
  header(step: number, of: number): string;
  stepOk(step: number, checked: boolean): string;
  allOk(title: string, steps: number): string;
  failed(step: number, where: string): string;
  timedOut(seconds: number): string;
  wrongExit(got: number, want: number | 'any'): string;
  expectedLine(line: string): string;
  noneAppeared: string;
  afterLine(line: string): string;
  printed: string;
  nothing: string;
  whatToDo(file: string): string;
  continueWith(command: string): string;
  ask: string;
}

const EN: RunnerText = {
  skipped: (step, from) => `(step ${step} skipped: --from ${from})`,
  header: (step, of) => `── step ${step}/${of} ──`,
  stepOk: (step, checked) => `✓ step ${step}: ${checked ? 'the output is as the lesson shows' : 'done'}`,
  allOk: (title, steps) => `✓ ${title}: all ${steps} steps as expected.`,
  failed: (step, where) => `✗ step ${step} (${where}) did not give what the lesson shows.`,
  timedOut: (s) => `it was still running after ${s} s and was stopped.`,
  wrongExit: (got, want) => `it exited ${got}; the lesson expects exit ${want}.`,
  expectedLine: (line) => `expected a line like:  ${line}`,
  noneAppeared: '(none of the expected lines appeared)',
  afterLine: (line) => `after the line:        ${line}`,
  printed: 'the command printed (last lines):',
  nothing: '(nothing)',
  whatToDo: (file) => `what to do: read "${SECTIONS.problems.en}" at the end of ${file}, fix the cause,`,
  continueWith: (command) => `then continue from this step: ${command}`,
  ask: 'Enter = run, s = skip, q = quit > ',
};

const ZH: RunnerText = {
  skipped: (step, from) => `（第 ${step} 步已跳过：--from ${from}）`,
  header: (step, of) => `── 第 ${step}/${of} 步 ──`,
  stepOk: (step, checked) => `✓ 第 ${step} 步：${checked ? '输出与课程所示一致' : '完成'}`,
  allOk: (title, steps) => `✓ ${title}：全部 ${steps} 步都符合预期。`,
  failed: (step, where) => `✗ 第 ${step} 步（${where}）的结果与课程所示不符。`,
  timedOut: (s) => `运行 ${s} 秒后仍未结束，已被停止。`,
  wrongExit: (got, want) => `退出码是 ${got}；课程要求的退出码是 ${want}。`,
  expectedLine: (line) => `应当出现这样一行：${line}`,
  noneAppeared: '（预期的行一行也没有出现）',
  afterLine: (line) => `在这一行之后：    ${line}`,
  printed: '命令的输出（最后几行）：',
  nothing: '（没有输出）',
  whatToDo: (file) => `怎么办：阅读 ${file} 末尾的"${SECTIONS.problems.zh}"，排除原因，`,
  continueWith: (command) => `然后从这一步继续：${command}`,
  ask: '回车 = 运行，s = 跳过，q = 退出 > ',
};

export const RUNNER_TEXT: Record<Lang, RunnerText> = { en: EN, zh: ZH };
