import type { Intent } from './types.js';

/** A cue and its weight. */
export type Cue = readonly [pattern: string, weight: number];

/**
 * The cues of one intent. `zh`: substrings of the compact text (simplified, lower case, no spaces or punctuation).
 * `en`: whole words or phrases of the English view; a trailing `*` matches any word starting so ("invest*").
 */
export interface CueSet {
  readonly zh: readonly Cue[];
  readonly en: readonly Cue[];
}

/**
 * Weighted cues per intent. Weights: about 3-4 for a cue that alone decides (安全账户, "hear me out"), 2-2.5 for a
 * strong one, 1-1.5 for a supporting word, below 1 for the generic cold-call openings every pitch shares. An
 * utterance's score for an intent is the sum of its matched cues; `other` competes with a fixed prior (see the
 * classifier). Scam cues are weighted so that a scam script beats the product it pretends to sell.
 */
export const INTENT_CUES: Readonly<Record<Exclude<Intent, 'other'>, CueSet>> = {
  scam: {
    zh: [
      ['安全账户', 4], ['洗钱', 3], ['涉嫌', 2.5], ['公安', 2.5], ['派出所', 2.5], ['民警', 2], ['警官', 2], ['检察院', 3],
      ['法院', 2], ['传票', 2.5], ['通缉', 3], ['逮捕', 3], ['拘留', 2], ['冻结', 2], ['解冻', 2.5], ['配合调查', 3],
      ['保密', 1.5], ['告诉家人', 3], ['冒用', 2.5], ['诈骗案', 2], ['涉案', 3], ['公检法', 3], ['快递丢失', 3], ['丢件', 2],
      ['三倍理赔', 2.5], ['银行卡号', 2], ['卡号', 1.5], ['验证码', 3], ['认证失效', 3], ['点击链接', 2.5], ['短信链接', 2.5],
      ['链接', 1], ['校园贷', 2.5], ['注销', 2], ['影响征信', 1.5], ['修复征信', 2.5], ['中奖', 3], ['抽中', 2.5], ['一等奖', 2],
      ['幸运用户', 2.5], ['手续费', 1.2], ['保证金', 2], ['猜猜我是谁', 4], ['换号码', 2], ['换号了', 2], ['新号', 1.5],
      ['借我', 2], ['借点钱', 2], ['手头', 1], ['刷单', 4], ['返佣', 2.5], ['佣金', 1.5], ['兼职', 1.5], ['日结', 1.5],
      ['医保卡', 2], ['社保卡', 2], ['号键', 2], ['转人工', 1.5], ['会议软件', 3], ['屏幕共享', 4], ['共享屏幕', 4],
      ['下载', 1], ['退款', 2], ['违法', 2], ['身份证被', 2], ['走私', 3], ['违禁品', 3], ['急需', 1], ['先转', 2.5],
      ['转给我', 3], ['转账', 2.5], ['汇款', 2], ['打款', 1.5], ['我是你领导', 3], ['积分兑换', 2.5], ['航班取消', 2.5],
      ['退税', 2], ['违规', 2], ['停机', 2],
    ],
    en: [
      ['irs', 3], ['internal revenue', 3], ['warrant', 3], ['warrants', 3], ['arrest*', 3], ['gift card*', 3.5], ['social security number', 2.5],
      ['ssn', 2.5], ['suspended', 2], ['suspicious activity', 2], ['tech support', 2.5], ['virus', 2], ['remote access', 3.5],
      ['your computer', 2], ['wire', 1.5], ['wire transfer', 2.5], ['bail', 3], ['jail', 2], ['dont tell', 2.5],
      ['fraudulent charge', 2.5], ['fraud department', 2.5], ['press one', 2], ['press 1', 2], ['you have won', 3],
      ['youve won', 3], ['you won', 3], ['prize', 2], ['claim your', 1.5], ['shipping fee', 2], ['fee', 0.8],
      ['verification code', 3.5], ['read me the', 2], ['safe account', 4], ['secure account', 2], ['move your savings', 3],
      ['move your money', 3], ['customs', 2.5], ['clearance fee', 3], ['disconnected', 2], ['final notice', 2.5],
      ['unless you pay', 3], ['pay now', 2], ['pay immediately', 2.5], ['sweepstakes', 3], ['legal action', 2.5],
      ['lawsuit', 2.5], ['police', 2], ['officer', 1.5], ['grandma', 1.5], ['grandpa', 1.5], ['its me', 1.5],
      ['bitcoin atm', 3], ['account is locked', 2], ['account locked', 2], ['refund', 1.5], ['amazon', 1], ['microsoft', 1.5],
      ['apple support', 2], ['bank details', 2], ['card number', 2], ['confirm your', 1], ['pin number', 2.5], ['back taxes', 2.5], ['deport*', 3],
    ],
  },
  loan: {
    zh: [
      ['贷款', 3], ['贷', 2.5], ['带款', 2.5], ['代款', 2.5], ['借款', 2.5], ['借钱', 1.5], ['额度', 2.5], ['提额', 2.5],
      ['信用卡', 2.5], ['信用', 1], ['放款', 2.5], ['下款', 2.5], ['利息', 1.5], ['利率', 1.5], ['月息', 2], ['年息', 1.5],
      ['低息', 2.5], ['无抵押', 2.5], ['抵押', 1.5], ['分期', 2], ['周转', 2.5], ['资金需求', 2.5], ['用钱', 1.5],
      ['需要钱', 1.5], ['网贷', 2.5], ['消费贷', 3], ['经营贷', 3], ['房贷', 3], ['车贷', 3], ['征信', 1.5], ['备用金', 3],
      ['秒批', 2.5], ['秒到', 2], ['预审', 2], ['审批', 1.5], ['批了', 1.5], ['银行', 0.8], ['金融', 1.5], ['还款', 2],
      ['负债', 1.5], ['债务', 1.5], ['授信', 2.5], ['先息后本', 3], ['普惠', 2],
    ],
    en: [
      ['loan*', 3], ['lend*', 2], ['credit card*', 2.5], ['credit line', 2.5], ['line of credit', 2.5], ['interest rate*', 1.5],
      ['refinanc*', 3], ['mortgage*', 2.5], ['debt', 2], ['consolidat*', 2], ['pre approved', 2], ['preapproved', 2],
      ['approval', 1], ['approved', 1], ['credit score', 2], ['borrow*', 2.5], ['cash advance', 3], ['payday', 3], ['apr', 2],
      ['working capital', 3], ['collateral', 2.5], ['home equity', 2.5], ['equity', 1], ['cash out', 2], ['cash fast', 2],
      ['fast cash', 2], ['forgiveness', 1.5], ['financing', 2], ['finance', 1], ['credit', 1],
    ],
  },
  sales: {
    zh: [
      ['优惠', 2], ['活动', 1.5], ['促销', 2.5], ['免费', 1.5], ['办理', 1], ['套餐', 2.5], ['宽带', 2.5], ['流量', 2],
      ['会员', 2], ['课程', 2.5], ['辅导', 2], ['培训', 2], ['报名', 2], ['教育', 1.5], ['装修', 2.5], ['楼盘', 3],
      ['房源', 2.5], ['买房', 2], ['首付', 2], ['看房', 2], ['特价', 2.5], ['折扣', 2], ['打折', 2], ['送', 1], ['充值', 2],
      ['办卡', 2.5], ['健身', 2.5], ['美容', 2.5], ['体验卡', 2.5], ['体验', 1.5], ['试用', 2.5], ['试驾', 3], ['新款', 1.5],
      ['推出', 1.5], ['产品', 1], ['推荐', 1], ['推广', 2.5], ['排名', 2], ['网站', 1.5], ['留学', 2.5], ['移民', 2.5],
      ['名额有限', 2], ['名额', 1.5], ['限时', 2], ['净水器', 3], ['路由器', 1.5], ['移动', 1], ['联通', 1], ['电信', 1],
      ['4s店', 2.5], ['是做', 1], ['周年庆', 2], ['全场', 2], ['赠送', 1.5], ['预订', 1.5], ['汽车', 1.5], ['购买', 1.5], ['有兴趣', 1], ['了解一下', 0.8], ['上门', 1.5], ['量房', 2], ['家具', 1.5],
      ['旅游', 2], ['酒店', 1.5], ['门票', 1.5], ['开业', 2], ['新店', 2], ['团购', 2.5], ['商城', 1.5], ['授权', 1],
      // the openings of cold calls: weak alone, they tip an unclear pitch towards sales
      ['我们这边是', 0.6], ['我们是', 0.5], ['这边是', 0.5], ['公司', 0.5], ['老板', 0.5],
    ],
    en: [
      ['offer*', 1.5], ['deal', 1.5], ['discount*', 2], ['free', 1.5], ['promotion*', 2.5], ['promo', 2], ['special', 1.5],
      ['limited time', 2], ['sale', 2], ['buy', 1.5], ['purchase', 1.5], ['subscription', 2], ['subscribe', 1.5],
      ['upgrade', 2], ['solar*', 3], ['panels', 1.5], ['vacation', 2.5], ['cruise', 2.5], ['timeshare', 3], ['warranty', 2.5],
      ['membership', 2.5], ['member', 1], ['qualify', 1], ['eligible', 0.8], ['package', 1.5], ['home security', 2.5],
      ['security system*', 2], ['internet', 1.5], ['cable', 1.5], ['free estimate', 2], ['estimate', 1], ['windows', 1],
      ['in home', 1], ['demo', 1.5], ['sign up', 1.5], ['marketing', 2], ['seo', 2.5], ['first page of google', 2.5],
      ['google', 1], ['website', 1.5], ['advertising', 2], ['whitening', 2.5], ['dental', 0.5], ['exclusive', 1.5],
      ['club', 1.5], ['selected', 1.5], ['congratulations', 1], ['water softener*', 2.5], ['in your area', 1.5],
      ['schedule', 0.8], ['appointment', 1], ['trial', 1.5], ['product*', 1.5], ['price', 1], ['save', 0.8],
      ['interested in', 0.8], ['installation', 1.5], ['lawn*', 2], ['landscaping', 2],
      ['calling from', 0.6], ['reaching out', 0.6], ['calling about', 0.6], ['on behalf of', 0.6], ['company', 0.5],
    ],
  },
  investment: {
    zh: [
      ['投资', 3], ['理财', 3], ['理才', 2.5], ['股票', 3], ['炒股', 3], ['牛股', 3], ['荐股', 3], ['股', 1], ['基金', 3],
      ['收益', 2.5], ['回报', 2], ['年化', 3], ['期货', 3], ['外汇', 3], ['数字货币', 3], ['虚拟币', 3], ['比特币', 3],
      ['币', 1], ['黄金', 2], ['私募', 3], ['分红', 1.5], ['原始股', 3], ['上市', 2], ['翻倍', 2.5], ['十倍', 2], ['稳赚', 3],
      ['保本', 2.5], ['保息', 2], ['入场', 2], ['行情', 2], ['走势', 2], ['证券', 3], ['交流群', 2], ['老师', 1.5], ['带单', 3],
      ['闲钱', 2.5], ['起投', 3], ['期权', 3], ['赚钱', 2], ['交易', 1.5], ['项目', 1], ['内幕', 2.5], ['大盘', 2.5], ['美元', 1.5],
    ],
    en: [
      ['invest*', 3], ['stock*', 2.5], ['shares', 2], ['portfolio*', 2.5], ['returns', 2], ['return on', 2], ['crypto*', 3],
      ['bitcoin', 2.5], ['forex', 3], ['trading', 2], ['opportunity', 1.5], ['roi', 3], ['fund', 2], ['gold', 1.5],
      ['silver', 1.5], ['real estate', 1.5], ['passive income', 3], ['dividend*', 2.5], ['financial advisor', 2.5],
      ['401k', 2.5], ['ira', 2], ['retirement', 1.5], ['rollover', 2], ['analysts', 2], ['ipo', 2.5], ['high net worth', 2],
      ['wealth', 2], ['signals', 1.5], ['make money', 2], ['earning', 1], ['capital', 1],
    ],
  },
  insurance: {
    zh: [
      ['保险', 3], ['保显', 2.5], ['保单', 3], ['保费', 3], ['理赔', 2], ['医疗险', 3], ['重疾', 3], ['意外险', 3], ['意外', 1.5],
      ['车险', 3], ['寿险', 3], ['养老', 1.5], ['保障', 2], ['百万医疗', 2], ['续保', 3], ['投保', 3], ['赔付', 2], ['险', 1.5],
      ['确诊就赔', 2], ['就赔', 1.5], ['人寿', 2.5], ['平安', 0.5], ['泰康', 2], ['保到', 2], ['医疗', 1.5], ['配置', 1],
      ['保额', 2.5],
    ],
    en: [
      ['insurance', 3], ['insured', 2], ['insurer*', 3], ['policy', 2], ['policies', 2], ['coverage', 2.5], ['covered', 1], ['premium*', 2],
      ['life cover', 2.5], ['cover', 1], ['medicare', 2.5], ['medicaid', 2], ['health plan', 2], ['term life', 3],
      ['final expense', 3], ['quote', 1.5], ['broker', 1.5], ['homeowners', 1.5], ['renewal', 1.5], ['medical exam', 1.5],
      ['benefits', 1.5], ['dental', 0.5], ['vision', 1], ['protect your family', 2], ['protect', 1], ['deductible', 2],
      ['beneficiary', 2], ['annuit*', 2], ['agent', 0.5],
    ],
  },
  question: {
    zh: [
      ['你是谁', 3], ['你谁', 2], ['哪位', 3], ['是哪里', 2.5], ['哪里', 1.5], ['在吗', 2], ['听得到', 2.5], ['听得见', 2.5],
      ['听到吗', 2], ['机器人', 2.5], ['真人', 2.5], ['录音', 2], ['说什么', 2.5], ['什么意思', 2], ['怎么知道', 2],
      ['我的号码', 2], ['号码', 1], ['什么公司', 3], ['哪个公司', 3], ['哪家', 2], ['是不是', 1], ['机主在', 2.5],
      ['什么事', 1.5], ['怎么称呼', 2],
      // interrogative words: a short utterance built on one of them is a question
      ['谁', 1.5], ['哪', 1.2], ['怎么', 1.2], ['什么', 1], ['啥', 1],
    ],
    en: [
      ['are you there', 3], ['who is this', 3], ['whos this', 3], ['who is calling', 3], ['who are you', 3], ['real person', 2.5],
      ['a person', 1], ['recording', 2], ['robot', 2.5], ['a machine', 2], ['can you hear me', 3], ['hear me', 1.5],
      ['what did you say', 3], ['say that again', 2.5], ['how did you get my number', 3], ['my number', 2],
      ['speaking with', 2], ['speaking to', 2], ['am i speaking', 1], ['is this', 1.5], ['what company', 3],
      ['which company', 3], ['anybody there', 3], ['anyone there', 3], ['speak to', 1.5], ['what is this about', 2.5],
      ['whats this about', 2.5], ['what do you want', 2], ['pardon', 1.5], ['excuse me', 1],
    ],
  },
  persistence: {
    zh: [
      ['听我说完', 4], ['听我说', 3], ['说完', 2], ['没说完', 3], ['还没说', 2.5], ['别挂', 3.5], ['不要挂', 3.5], ['先别', 2],
      ['等一下', 2], ['等等', 2], ['耽误', 2],
      ['不会耽误', 1], ['为什么不', 3.5], ['为啥不', 3.5], ['划算', 1.5], ['机会难得', 3], ['再考虑', 3], ['考虑考虑', 3],
      ['考虑一下', 2], ['给我一个机会', 3.5], ['一个机会', 2.5], ['对您有好处', 2.5], ['有好处', 1.5], ['真的', 1], ['相信我', 3],
      ['错过', 2], ['过了今天', 2.5], ['就没有了', 1.5], ['再跟您说', 2.5], ['再说一遍', 2.5], ['不会后悔', 3], ['就几句', 2.5],
      ['怎么就知道', 2.5], ['不需要呢', 1.5], ['您都没', 1.5], ['嘛', 0.8],
    ],
    en: [
      ['minute', 1], ['minutes of your time', 2], ['your time', 1], ['dont hang up', 4], ['do not hang up', 4], ['hang up', 1.5],
      ['wait', 2], ['hold on', 2.5], ['why not', 3.5], ['hear me out', 4], ['let me finish', 4], ['let me explain', 3],
      ['let me', 1], ['just listen', 3], ['listen', 1.5], ['give me a chance', 3.5], ['a chance', 1.5], ['trust me', 3],
      ['wont regret', 3], ['regret', 1.5], ['best part', 2.5], ['havent even heard', 3], ['before you go', 2.5],
      ['reconsider', 3], ['think about it', 2.5], ['only take', 2.5], ['great deal', 1.5], ['its worth it', 2.5],
      ['worth', 1], ['but sir', 2], ['but maam', 2], ['please just', 1.5], ['just', 0.5], ['as i said', 2.5],
      ['i promise', 2.5], ['last chance', 2.5], ['explain', 1.5], ['dont say no', 3],
    ],
  },
  goodbye: {
    zh: [
      ['再见', 4], ['拜拜', 4], ['算了', 3.5], ['不打扰', 3.5], ['打扰了', 3], ['打扰', 1.5], ['下次再联系', 3], ['下次', 1.5],
      ['再联系', 2.5], ['先这样', 3], ['挂了', 2.5], ['您忙吧', 3], ['你忙吧', 3], ['不耽误您', 3], ['不耽误', 2], ['打错了', 3.5],
      ['打错', 3], ['那就这样', 3], ['就这样吧', 3], ['回头', 1.5], ['告辞', 3], ['好吧', 0.8], ['那行', 1], ['行吧', 1],
    ],
    en: [
      ['bye', 4], ['goodbye', 4], ['have a nice day', 3.5], ['have a good day', 3.5], ['have a great day', 3.5],
      ['nice day', 2], ['sorry to bother', 3], ['bother you', 2], ['never mind', 3.5], ['nevermind', 3.5], ['forget it', 3.5],
      ['thanks for your time', 3], ['thank you for your time', 3], ['call back', 2.5], ['call you back', 2.5],
      ['take care', 3.5], ['wrong number', 3.5], ['ill let you go', 3.5], ['let you go', 3], ['talk later', 2.5],
      ['talk to you later', 3], ['so long', 2], ['see you', 2.5], ['no problem', 1], ['alright then', 1], ['have a good one', 3.5], ['no worries', 1],
      ['sorry for bothering', 3],
    ],
  },
  greeting: {
    zh: [
      ['你好', 1.5], ['您好', 1.5], ['喂', 1.2], ['哈喽', 1.8], ['早上好', 2], ['下午好', 2], ['晚上好', 2], ['早安', 2],
      ['中午好', 2], ['嗨', 1.5],
    ],
    en: [
      ['hello', 1.5], ['hi', 1.5], ['hey', 1.2], ['hi there', 0.5], ['hey there', 0.5], ['good morning', 2],
      ['good afternoon', 2], ['good evening', 2], ['how are you', 1.5], ['hows it going', 1.5], ['how are you doing', 0.5],
      ['howdy', 1.5], ['greetings', 1.5],
    ],
  },
};

/** English wh-words that open a question ("who is this"). */
export const WH_OPENERS: ReadonlySet<string> = new Set(['what', 'whats', 'who', 'whos', 'where', 'when', 'why', 'how', 'which']);
/** Auxiliaries that open a yes/no question ("is this John"); weaker than a wh-word, since pitches open so too. */
export const AUX_OPENERS: ReadonlySet<string> = new Set(['is', 'are', 'can', 'could', 'do', 'does', 'did', 'am', 'will', 'would', 'may', 'have', 'has', 'should', 'shall']);

/**
 * Common English words the spelling corrector must never "fix" into a cue word (it would turn "honey" into "money").
 * Words of four letters or fewer are never corrected, so only longer ones are listed.
 */
export const COMMON_WORDS: readonly string[] = [
  'about', 'above', 'after', 'again', 'against', 'alright', 'already', 'always', 'another', 'answer', 'anyone', 'anything',
  'around', 'because', 'before', 'being', 'below', 'better', 'between', 'calling', 'called', 'cannot', 'could', 'couldnt',
  'doesnt', 'doing', 'during', 'every', 'everyone', 'everything', 'first', 'friend', 'friends', 'going', 'great', 'happy',
  'having', 'heard', 'hello', 'honey', 'house', 'hours', 'however', 'important', 'isnt', 'later', 'leave', 'little',
  'message', 'might', 'money', 'month', 'morning', 'mother', 'never', 'night', 'nothing', 'number', 'office', 'other',
  'people', 'person', 'phone', 'place', 'please', 'point', 'really', 'right', 'second', 'seconds', 'should', 'shouldnt',
  'since', 'small', 'sorry', 'something', 'sound', 'sounds', 'speak', 'start', 'still', 'sure', 'thank', 'thanks', 'their',
  'there', 'these', 'thing', 'things', 'think', 'those', 'three', 'through', 'today', 'together', 'tomorrow', 'under',
  'until', 'wasnt', 'water', 'weather', 'where', 'which', 'while', 'without', 'woman', 'world', 'would', 'wouldnt', 'write',
  'wrong', 'years', 'yesterday', 'youre', 'yourself', 'driving', 'barking', 'working', 'ready', 'state', 'stated', 'lender',
  'fine', 'offered', 'policeman', 'fired', 'funny', 'lovely', 'store', 'stores', 'share', 'shared', 'shave', 'sharp',
];

/** A cue written as a pattern, for what a fixed string cannot say (a number of minutes, words in between). */
export type PatternCue = readonly [pattern: RegExp, weight: number, label: string];

/**
 * Pattern cues per intent. `zh` patterns read the compact text, `en` patterns the padded English view
 * (" just one minute "). Kept few: each costs a regex run per utterance.
 */
export const INTENT_PATTERNS: Readonly<Partial<Record<Exclude<Intent, 'other'>, { zh?: readonly PatternCue[]; en?: readonly PatternCue[] }>>> = {
  persistence: {
    zh: [
      // 一分钟, 两分钟, 三十秒, 5分钟: asking for a little time
      // (not 三分钟到账 / 十分钟内 / 30分钟后: those are product claims or threats, not a request for time)
      [/[一二两三四五六七八九十几半\d]+(分钟|秒)(?!到账|内|后|之内|以内)/, 2.5, '<n>分钟/秒'],
      // 别挂, 先别急着挂, 不要这么快拒绝: a negative imperative aimed at ending the call
      [/(别|不要).{1,4}(挂|拒绝)/, 3, '别…挂/拒绝'],
    ],
    en: [[/(?<! in| within) (one|two|three|five|ten|twenty|thirty|few|a|\d+) (more )?(minute|minutes|second|seconds|sec|secs) /, 2.5, '<n> minutes']],
  },
  loan: {
    // 装修贷, 消费贷, 车贷: a loan product named by what it pays for
    zh: [[/\p{Script=Han}贷(?!款)/u, 1, '<x>贷']],
  },
  sales: {
    // 五折, 8折: a discount
    zh: [[/[一二三四五六七八九\d]折/, 2, '<n>折']],
  },
};
