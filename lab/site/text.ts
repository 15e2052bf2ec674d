import type { Rng } from './random.ts';

/**
 * Chinese text for a chat forum, built from small word banks. A few pieces carry
 * &, <, quotes and apostrophes on purpose: parsers must decode entities and
 * attribute JSON correctly.
 */

const TAGS = ['', '', '', '【闲聊】', '【求助】', '【吐槽】', '【分享】', '[水]'];
const WHO = [
  '我',
  '我们',
  '室友',
  '同事',
  '朋友',
  '老板',
  '楼主',
  '大家',
  '我妈',
  '隔壁邻居',
  '表哥',
  '同桌',
];
const WHEN = ['今天', '昨天晚上', '刚才', '周末', '下班后', '半夜', '早上', '中午', '前几天', '国庆'];
const DID = [
  '去吃了火锅',
  '看了一部电影',
  '在公司加班到十点',
  '打了一晚上游戏',
  '学会了做红烧肉',
  '跑了五公里',
  '被雨淋成落汤鸡',
  '捡到一只小猫',
  '去了趟海边',
  '把手机摔坏了',
  '排队买奶茶排了一个小时',
  '在地铁上睡过站',
  '收到一个神秘快递',
  '开始学吉他',
  '把猫&狗都带去了医院',
];
const FEEL = [
  '感觉还不错',
  '真是太累了',
  '有点无聊',
  '笑死我了',
  '心情很好',
  '不知道该说什么',
  '你们怎么看',
  '有没有一样的',
  '求安慰',
  '他说"明天再说"',
  "it's ok 啦",
  '比心<3',
];
const ASK = [
  '有没有人一起聊天',
  '大家晚上都几点睡',
  '说说你们最近在听的歌',
  '推荐几部好看的电视剧',
  '第一次来这个吧',
  '周末一般干什么',
  '失眠的进来聊聊',
  '你们的家乡有什么好吃的',
  '有人在吗',
  '今天是我生日',
];
const END = ['', '', '？', '！', '～', '…', '啊', '吧'];
const SHORT = [
  '顶',
  '沙发',
  '说得对',
  '哈哈哈哈',
  '同感',
  '楼主加油',
  '路过看看',
  '+1',
  '我也是这样',
  '前排围观',
  'mark',
  '好的',
];
const SURNAME = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '黄',
  '周',
  '吴',
  '徐',
  '孙',
  '胡',
  '朱',
  '高',
  '林',
];
const NAME_A = [
  '小',
  '阿',
  '大',
  '老',
  '清',
  '明',
  '风',
  '云',
  '雨',
  '星',
  '月',
  '夜',
  '晨',
  '海',
  '山',
  '花',
];
const NAME_B = [
  '猫',
  '鱼',
  '熊',
  '兔',
  '鹿',
  '狐',
  '羊',
  '豆',
  '糖',
  '茶',
  '橙',
  '桃',
  '米',
  '石',
  '叶',
  '草',
];
const LATIN = ['tb', 'xiao', 'ming', 'happy', 'lucky', 'cool', 'sunny', 'moon', 'star', 'chat'];
export const PROVINCES = [
  '广东',
  '北京',
  '上海',
  '浙江',
  '江苏',
  '四川',
  '湖北',
  '湖南',
  '山东',
  '河南',
  '福建',
  '陕西',
  '重庆',
  '辽宁',
  '安徽',
  '云南',
];
export const CLIENTS = ['Android客户端', 'iPhone客户端', '手机贴吧', '百度App', '贴吧极速版'];
export const BADGES = ['初级粉丝', '中级粉丝', '活跃吧友', '核心吧友', '铁杆吧友', '知名人士', '人气楷模'];

export function title(rng: Rng): string {
  const body = rng.chance(0.5) ? rng.pick(ASK) : `${rng.pick(WHEN)}${rng.pick(WHO)}${rng.pick(DID)}`;
  return `${rng.pick(TAGS)}${body}${rng.pick(END)}`;
}

export function sentence(rng: Rng): string {
  return `${rng.pick(WHEN)}${rng.pick(WHO)}${rng.pick(DID)}，${rng.pick(FEEL)}${rng.pick(END)}`;
}

/** A floor's or sub-comment's text: mostly one short line, sometimes a few sentences. */
export function replyText(rng: Rng): string {
  if (rng.chance(0.35)) return rng.pick(SHORT);
  const n = rng.int(1, 3);
  let out = '';
  for (let i = 0; i < n; i++) out += sentence(rng);
  return out;
}

export function userName(rng: Rng): string {
  const kind = rng.int(0, 2);
  if (kind === 0) return `${rng.pick(NAME_A)}${rng.pick(NAME_B)}${rng.int(1, 999)}`;
  if (kind === 1) return `${rng.pick(LATIN)}_${rng.pick(LATIN)}${rng.int(10, 9999)}`;
  return `${rng.pick(SURNAME)}${rng.pick(NAME_A)}${rng.pick(NAME_B)}`;
}

export function nickname(rng: Rng): string {
  return `${rng.pick(NAME_A)}${rng.pick(NAME_B)}${rng.pick(['酱', '君', '子', '呀', ''])}`;
}

const HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** "tb.1.1a2b3c4d.Xy..." : the shape of a Tieba portrait id. */
export function portrait(rng: Rng): string {
  let hex = '';
  for (let i = 0; i < 8; i++) hex += HEX[rng.int(0, 15)];
  let tail = '';
  for (let i = 0; i < 22; i++) tail += B64[rng.int(0, 63)];
  return `tb.1.${hex}.${tail}`;
}

export function hexId(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HEX[rng.int(0, 15)];
  return out;
}
