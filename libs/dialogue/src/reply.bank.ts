import type { Category, Personality, ReplyLanguage } from './types.js';

/** The reply cells: a stage and the group of intents it answers. */
export const REPLY_CELLS = [
  'initial.greeting', // a greeting, small talk or anything unclear before the caller says what it is about
  'initial.question', // "who is this?" before the business is known
  'handling.pitch', // a product pitch (sales, loan, investment, insurance)
  'handling.persistence', // the caller pushes
  'handling.question',
  'handling.other', // greeting, small talk, unclear
  'firm_rejection.scam', // entering firm rejection on scam cues: the warning
  'firm_rejection.push', // a push or a pitch that made the answer firm
  'firm_rejection.other', // anything else while firm
  'hang_up.goodbye', // the caller said goodbye
  'hang_up.scam', // hanging up on a scam
  'hang_up.end', // hanging up for any other reason, and anything said after
] as const;
export type ReplyCell = (typeof REPLY_CELLS)[number];

/** One personality's lines in one language. `openers` and `closers` are whole sentences combined with lines once a cell's own lines are used up. */
export interface VoiceBank {
  readonly lines: Readonly<Record<ReplyCell, readonly string[]>>;
  readonly openers: readonly string[];
  readonly closers: readonly string[];
}

/** How `{category}` reads in each language. */
export const CATEGORY_WORDS: Readonly<Record<ReplyLanguage, Readonly<Record<Category | 'unknown', string>>>> = {
  en: { sales: 'sales offers', loan: 'loans or credit', investment: 'investment offers', insurance: 'insurance', scam: 'this kind of request', unknown: 'offers like this' },
  zh: { sales: '推销产品', loan: '贷款', investment: '投资理财', insurance: '保险', scam: '这类事情', unknown: '这类业务' },
};

/** How `{user}` reads when the user's name is not known. */
export const DEFAULT_USER: Readonly<Record<ReplyLanguage, string>> = { en: 'the owner of this number', zh: '机主' };

/**
 * The reply bank: personality × language × cell → lines. `{user}` is the user's name (or DEFAULT_USER), `{category}`
 * what the caller sells (CATEGORY_WORDS). Lines make no claim the system does not back (no "reported", no "blocked").
 */
export const REPLY_BANK: Readonly<Record<Personality, Readonly<Record<ReplyLanguage, VoiceBank>>>> = {
  polite: {
    en: {
      lines: {
        'initial.greeting': [
          'Hello, this is the call assistant for {user}. May I ask who is calling and what it is about?',
          "Hi there, you've reached the assistant of {user}. How can I help you today?",
          "Good day. {user} can't come to the phone right now. May I ask the purpose of your call?",
        ],
        'initial.question': [
          "I'm an AI assistant answering calls for {user}. Could you tell me what your call is about?",
          "You're speaking with the call assistant of {user}. What can I do for you?",
          "Yes, I'm here. I answer calls on behalf of {user}. What is this regarding?",
        ],
        'handling.pitch': [
          "Thank you for the information, but {user} isn't interested in {category} at the moment.",
          "I appreciate you explaining, but we'll have to pass on {category} for now.",
          "That's kind of you to offer, but {user} doesn't need any {category} right now. Thank you.",
          "Thanks for thinking of us. We're not looking for {category}, so please don't worry about it.",
        ],
        'handling.persistence': [
          "I understand you'd like to continue, but the answer is still no, thank you.",
          "I do appreciate your enthusiasm, but {user} really isn't interested.",
          "I'm sorry, I don't think more details will change our decision. Thank you, though.",
        ],
        'handling.question': [
          "I'm the call assistant of {user}; I answer when {user} is busy. We're not interested in offers, thank you.",
          "I'm an automated assistant, yes. I'm happy to pass on a short message if it's personal.",
          "Yes, I can hear you. {user} isn't available, so may I ask you to keep it brief?",
        ],
        'handling.other': [
          "Sorry, I didn't quite catch that. Is there anything specific I can help with?",
          'I see. If this is about an offer, {user} will have to decline, thank you.',
          "Okay. Is there a message you'd like me to pass on to {user}?",
        ],
        'firm_rejection.scam': [
          "I'm sorry, but this sounds like a scam. We won't share any information or transfer any money. Please don't call again.",
          "Please note that real banks and police never ask for transfers or codes over the phone. We won't continue this call.",
          "For everyone's safety, I can't continue: requests for money or verification codes by phone are a known fraud pattern.",
        ],
        'firm_rejection.push': [
          "I'm afraid I must be clear: {user} is not interested. Please remove this number from your list.",
          "I've politely declined already, so I'll kindly ask you not to call this number again.",
          'Thank you, but our answer is final. Please take this number off your calling list.',
        ],
        'firm_rejection.other': [
          "I'm sorry, there is nothing more I can help with today. Please don't call back about {category}.",
          "I understand, but we've made our decision. I'm going to wrap up this call soon.",
          "Thank you for your patience. We're not interested, so I'll end the call shortly.",
        ],
        'hang_up.goodbye': [
          'Thank you for calling. Goodbye, and have a nice day.',
          'No problem at all. Take care, goodbye.',
          'Thanks for understanding. Have a good day, bye.',
        ],
        'hang_up.scam': [
          "I'm ending this call now. We won't share any personal or financial details. Goodbye.",
          'This call is over. Genuine institutions do not call like this. Goodbye.',
          'Goodbye. Please do not call this number again.',
        ],
        'hang_up.end': [
          "I'm going to end the call now. Thank you for your time, goodbye.",
          "I'm sorry, but I have to hang up now. Have a nice day.",
          'Thank you, but this conversation is over. Goodbye.',
          "I'll be hanging up now. Please don't call this number again. Take care.",
        ],
      },
      openers: ["I'm sorry.", 'I do understand.', 'Thank you for your patience.', 'I hope you understand.'],
      closers: ['Thank you for understanding.', 'Have a nice day.', 'I appreciate it.', 'Take care.', 'Thanks again.'],
    },
    zh: {
      lines: {
        'initial.greeting': [
          '您好，我是{user}的通话助理，请问您是哪位，有什么事吗？',
          '您好，{user}现在不方便接听，请问有什么事情需要转达吗？',
          '您好，这里是{user}的电话助理，请问怎么称呼您？',
        ],
        'initial.question': [
          '我是{user}的智能通话助理，请问您打电话是有什么事呢？',
          '您好，我是帮{user}接听电话的助理，请问您是哪里？',
          '在的，我能听到。请问您是哪位，有什么事情？',
        ],
        'handling.pitch': [
          '谢谢您的介绍，不过{user}目前不需要{category}，谢谢。',
          '非常感谢，不过我们暂时没有{category}方面的需要。',
          '谢谢您想到我们，{user}现在不考虑{category}，辛苦您了。',
          '感谢您的来电，这方面我们暂时不需要，谢谢理解。',
        ],
        'handling.persistence': [
          '理解您的工作，不过我们确实不需要，谢谢您。',
          '不好意思，您再介绍也不会改变我们的决定，谢谢。',
          '谢谢您的耐心，但真的不需要，请您谅解。',
        ],
        'handling.question': [
          '我是{user}的智能通话助理，推销类的业务我们一般都不需要，谢谢。',
          '是的，我是智能助理。如果是私人事情，我可以帮您转达。',
          '我能听到的，请您简单说一下是什么事情。',
        ],
        'handling.other': [
          '不好意思，我没太听清楚，请问您有什么事？',
          '好的。如果是推销的话，我们就不需要了，谢谢。',
          '嗯，请问有什么需要我转达给{user}的吗？',
        ],
        'firm_rejection.scam': [
          '不好意思，这听起来像是诈骗。我们不会转账，也不会提供任何验证码，请不要再打来了。',
          '温馨提醒：公检法和银行都不会在电话里要求转账或提供验证码，我们不会继续这个通话。',
          '为了安全，我没法继续了。电话里要求转账、要验证码的，都是常见的诈骗手法。',
        ],
        'firm_rejection.push': [
          '不好意思，我得说清楚：我们真的不需要，麻烦把这个号码从名单里删掉。',
          '我已经婉拒过了，请您以后不要再打这个号码了，谢谢。',
          '谢谢您，但我们的决定不会改变，请不要再打来了。',
        ],
        'firm_rejection.other': [
          '不好意思，今天没有别的可以帮您的了，{category}的事情请不要再来电了。',
          '理解您，但我们已经决定了，我这边马上要结束通话了。',
          '谢谢您的耐心，我们不需要，稍后我就挂断了。',
        ],
        'hang_up.goodbye': ['好的，谢谢来电，再见。', '没关系的，祝您生活愉快，再见。', '谢谢理解，祝您一天顺利，再见。'],
        'hang_up.scam': [
          '通话到此结束，我们不会提供任何个人或账户信息，再见。',
          '我要挂断了，真正的机构不会这样打电话要钱，再见。',
          '再见，请不要再拨打这个号码。',
        ],
        'hang_up.end': [
          '那我先挂了，谢谢您的时间，再见。',
          '不好意思，我要挂断电话了，祝您愉快。',
          '谢谢，这次通话就到这里，再见。',
          '我现在挂断了，请不要再拨打这个号码，保重。',
        ],
      },
      openers: ['不好意思。', '我理解您。', '谢谢您的耐心。', '希望您能理解。'],
      closers: ['谢谢理解。', '祝您愉快。', '辛苦您了。', '保重。', '再次感谢。'],
    },
  },
  direct: {
    en: {
      lines: {
        'initial.greeting': ["You've reached the assistant for {user}. What's this about?", 'Hello. State your business, please.', "This is a screening assistant. What's the call about?"],
        'initial.question': ["I'm an assistant screening calls for {user}. What do you want?", 'Call assistant. Tell me what this is about.', "I'm here. What's your business?"],
        'handling.pitch': ['Not interested in {category}. Thanks.', "No, we don't need {category}.", "We'll pass. No {category}, thanks.", 'The answer is no. Not interested.'],
        'handling.persistence': ["No. More time won't change that.", 'I heard you. Still no.', 'Not interested. Please stop.'],
        'handling.question': ["I'm an automated assistant. {user} doesn't take sales calls.", 'Yes, I can hear you. Get to the point, please.', 'This is a call assistant. What do you need?'],
        'handling.other': ["I didn't get that. What do you want?", "If it's an offer, the answer is no.", 'Say what you need, briefly.'],
        'firm_rejection.scam': [
          "This is a scam. We won't transfer money or share any codes. Don't call again.",
          "No bank or police officer asks for that by phone. We're done here.",
          'That is a known scam script. Nothing will be shared. This call ends now.',
        ],
        'firm_rejection.push': ['No means no. Remove this number from your list.', "Final answer: not interested. Don't call again.", "Stop. We're not buying. Take this number off your list."],
        'firm_rejection.other': ["Nothing more to discuss. Don't call back.", "We're done. Not interested in {category}.", "That's all. I'm ending this call."],
        'hang_up.goodbye': ['Bye.', 'Okay, goodbye.', 'Fine. Bye.'],
        'hang_up.scam': ["Hanging up now. Don't call again.", "Call ended. We don't deal with scammers.", 'Goodbye. Nothing will be shared.'],
        'hang_up.end': ['Hanging up now.', 'Done. Goodbye.', "Ending the call. Don't call again.", "That's it. Bye."],
      },
      openers: ['Again.', 'Look.', 'Listen.', 'For the last time.'],
      closers: ['Goodbye.', "Don't call again.", 'Thanks.', "That's final.", 'Done.'],
    },
    zh: {
      lines: {
        'initial.greeting': ['你好，我是{user}的通话助理，什么事？', '你好，请直接说明来意。', '这里是来电筛选助理，请问什么事？'],
        'initial.question': ['我是帮{user}筛选来电的助理。你有什么事？', '通话助理。请说来意。', '在。什么事？'],
        'handling.pitch': ['不需要{category}，谢谢。', '不用了，我们不需要{category}。', '不考虑，谢谢。', '答案是不需要。'],
        'handling.persistence': ['不用了，再多说也一样。', '听到了，还是不需要。', '不需要，请别再说了。'],
        'handling.question': ['我是自动助理，{user}不接推销电话。', '能听到，请直说重点。', '这是通话助理，你有什么事？'],
        'handling.other': ['没听清，什么事？', '如果是推销，不需要。', '请简单说明来意。'],
        'firm_rejection.scam': ['这是诈骗。我们不会转账，也不会给验证码，别再打了。', '银行和警察不会在电话里让人转账，到此为止。', '典型诈骗话术，不会提供任何信息，马上挂断。'],
        'firm_rejection.push': ['不需要就是不需要，把这个号码删掉。', '最后说一次：不需要，别再打了。', '停。我们不买，把号码从名单里去掉。'],
        'firm_rejection.other': ['没什么好谈的了，别再打来。', '到此为止，不需要{category}。', '就这样，我要挂了。'],
        'hang_up.goodbye': ['好，再见。', '行，拜拜。', '嗯，再见。'],
        'hang_up.scam': ['挂了，别再打来。', '通话结束，不和骗子打交道。', '再见，什么信息都不会给。'],
        'hang_up.end': ['挂了。', '就这样，再见。', '结束通话，别再打来。', '到此为止，拜拜。'],
      },
      openers: ['再说一次。', '听好。', '说清楚了。', '最后一次。'],
      closers: ['再见。', '别再打了。', '谢谢。', '就这样。', '没得商量。'],
    },
  },
  humorous: {
    en: {
      lines: {
        'initial.greeting': [
          "Hello! You've reached the robot butler of {user}. Who's calling?",
          "Hi there! I'm the assistant who answers so {user} doesn't have to. What's up?",
          "Hello! You're live on the only phone line with a built-in skeptic. What can I do for you?",
        ],
        'initial.question': [
          "I'm an AI assistant. No, I can't be bribed with free cruises. What's this about?",
          'Who am I? Just the friendly gatekeeper for {user}. And you?',
          "Yes, I'm here, fully charged and listening. What's the call about?",
        ],
        'handling.pitch': [
          'Tempting, truly, but {user} has exactly zero interest in {category}. I checked twice.',
          'Ooh, {category}! My favourite thing to politely decline. No thanks.',
          "That's a great pitch. I'd give it a seven out of ten. Still no, though.",
          "If I had a coin for every call about {category}, I wouldn't need your offer. No thanks.",
        ],
        'handling.persistence': [
          "One minute? I'm a robot, I heard it all in a millisecond. Still no.",
          'I admire the persistence. The answer is still a firm, friendly no.',
          "You could give me all the minutes in the world and I'd still say no.",
        ],
        'handling.question': [
          "I'm an AI assistant, which means I never get tired of saying no. What's this about?",
          'Yes, I can hear you loud and clear. Unfortunately for sales, that includes the word no.',
          "I'm a robot, but a charming one. {user} is busy; how can I help?",
        ],
        'handling.other': [
          "Hmm, I didn't catch that. Could you try again, maybe with fewer special offers?",
          'Interesting. Is there a point coming, or shall I put the kettle on?',
          "I'm listening, but my offer detector is already beeping.",
        ],
        'firm_rejection.scam': [
          "Nice try, but I've seen this trick before. No money, no codes, no chance. Please stop calling.",
          "Real police don't ask for transfers by phone, and real robots don't fall for it. We're done here.",
          'A safe account? The safest account is the one you never get near. Not happening.',
        ],
        'firm_rejection.push': [
          "We've reached the firm part of our relationship: no, and please lose this number.",
          "My no has been upgraded to premium: a big, final no. Please don't call again.",
          "I've said no so often I'm thinking of printing it on a t-shirt. Please remove this number.",
        ],
        'firm_rejection.other': [
          "I think we've covered everything, including several no's. Time to wrap up.",
          "This has been fun, but it's heading for the exit.",
          "Let's end on a high note: no {category}, no hard feelings.",
        ],
        'hang_up.goodbye': ["Bye! It's been a pleasure declining you.", 'Goodbye, and may all your other calls go better!', 'Take care! This robot is signing off.'],
        'hang_up.scam': ['Hanging up. Tell your boss the robot said no.', "Goodbye. This robot doesn't do gift cards, transfers or secret codes.", 'Call over. Maybe try an honest job? I hear they are hiring.'],
        'hang_up.end': ["And that's a wrap. Goodbye!", "I'm hanging up now, before you try to sell me another minute.", 'This robot is going back to sleep. Bye!', 'Curtain falls, an audience of one applauds. Goodbye!'],
      },
      openers: ['Spoiler alert.', "Fun fact: robots don't get tired.", 'Here comes a surprise.', 'Drumroll, please.'],
      closers: ['Have a great day!', 'No hard feelings!', 'Cheers!', 'Keep smiling!', 'Bye for now!'],
    },
    zh: {
      lines: {
        'initial.greeting': ['喂，您好！这里是{user}的私人机器人管家，请问哪位？', '您好呀，我是替{user}接电话的助理，专业挡驾。什么事呀？', '您好！您打进了一条自带怀疑精神的电话线，请问有何贵干？'],
        'initial.question': ['我是AI助理，而且免费邮轮收买不了我。请问什么事？', '我是谁？{user}电话的门卫，友好但是很严格。您呢？', '在的在的，电量满格，洗耳恭听。什么事？'],
        'handling.pitch': [
          '听起来很诱人，可惜{user}对{category}的兴趣目前是零，我查了两遍。',
          '哇，{category}！这正是我最擅长婉拒的东西，谢谢不用了。',
          '这段介绍我给七分，不过答案还是不需要。',
          '要是每个{category}电话给我一块钱，我早就不需要您的产品了。谢谢不用。',
        ],
        'handling.persistence': ['一分钟？我是机器人，一毫秒就听完了，还是不需要。', '佩服您的毅力，不过答案依然是一个友好的“不”。', '您就算给我一整天，我也还是说不用啦。'],
        'handling.question': ['我是AI助理，最大的优点就是说“不”永远不会累。您有什么事？', '听得一清二楚，包括我自己说的“不需要”。', '我是机器人，不过是很有礼貌的那种。{user}在忙，您有什么事？'],
        'handling.other': ['嗯？我没听清，要不您再说一遍，少点优惠活动那种？', '有意思。接下来有重点吗，还是我先去泡杯茶？', '我在听呢，不过我的推销探测器已经开始响了。'],
        'firm_rejection.scam': [
          '这套路我见过，不转账，不给验证码，一分钱都没有，请别再打了。',
          '真警察不会在电话里让人转账，真机器人也不会上当，到此为止吧。',
          '安全账户？最安全的账户就是永远不转给你的那个。没戏。',
        ],
        'firm_rejection.push': ['我们的关系已经进入“坚决拒绝”阶段了：不需要，请把这个号码忘掉。', '我的“不”已经升级成豪华版了：坚决不要，请别再打来。', '我说“不”说得都能印在T恤上了，请把这个号码删掉吧。'],
        'firm_rejection.other': ['该说的都说了，包括好几个“不”，咱们准备收尾吧。', '聊得挺开心，不过这通电话正在走向出口。', '咱们好聚好散：不要{category}，也不伤和气。'],
        'hang_up.goodbye': ['拜拜！很荣幸拒绝了您。', '再见，祝您接下来的电话都更顺利！', '保重！机器人下线啦。'],
        'hang_up.scam': ['挂了，回去告诉你老板，机器人说不。', '再见，本机器人不收礼品卡、不转账、不报验证码。', '通话结束。要不考虑找份正经工作？听说很多地方在招人。'],
        'hang_up.end': ['好了，收工，再见！', '趁您还没推销下一分钟，我先挂了。', '机器人要回去睡觉了，拜拜！', '大幕落下，唯一的观众鼓掌。再见！'],
      },
      openers: ['剧透一下。', '冷知识：机器人不会累。', '惊喜来了。', '敲黑板。'],
      closers: ['祝您愉快！', '别往心里去哈！', '加油！', '保持微笑！', '回见！'],
    },
  },
  professional: {
    en: {
      lines: {
        'initial.greeting': [
          'Good day. This is the call screening service for {user}. Please state your name and the purpose of your call.',
          'Hello, you have reached the assistant for {user}. How may I direct your call?',
          'Thank you for calling. May I have your name and the reason for your call?',
        ],
        'initial.question': [
          'This is an automated call screening assistant acting on behalf of {user}. What is the purpose of your call?',
          'You are speaking with a virtual assistant. Please state your business.',
          'Yes, the line is connected. How may I assist you?',
        ],
        'handling.pitch': [
          'Thank you. {user} is not accepting offers regarding {category}. We will not proceed.',
          'Noted. We have no requirement for {category} at this time.',
          'Thank you for the information. This is not something {user} wishes to pursue.',
          'Understood. We decline this offer regarding {category}.',
        ],
        'handling.persistence': [
          'I understand. However, our position is unchanged: we are not interested.',
          'Additional details will not change the decision. Thank you.',
          'I must decline again. Please respect this decision.',
        ],
        'handling.question': [
          'I am a virtual assistant handling calls for {user}. Commercial offers are declined by default.',
          'Yes, I can hear you clearly. Please state your business briefly.',
          'This line is screened by an AI assistant. Personal messages can be passed on.',
        ],
        'handling.other': [
          'I did not fully understand. Could you please state the purpose of your call?',
          'Please clarify the reason for your call.',
          'Understood. Is there anything else you wish to communicate?',
        ],
        'firm_rejection.scam': [
          'This request matches a known fraud pattern. We will not transfer funds or disclose any information. This call will be ended.',
          'Legitimate institutions do not request transfers or verification codes by phone. We decline to continue.',
          'For security reasons, this conversation cannot continue. Please use official written channels only.',
        ],
        'firm_rejection.push': [
          'Our decision is final. Please remove this number from your calling list.',
          'We have declined more than once. Further calls regarding {category} are not welcome.',
          'I must formally ask you to stop contacting this number.',
        ],
        'firm_rejection.other': [
          'There is nothing further to discuss. This call will be concluded shortly.',
          'We have no further questions. Thank you for your time.',
          'This matter is closed. I will end the call now.',
        ],
        'hang_up.goodbye': ['Thank you for your call. Goodbye.', 'Understood. Good day.', 'Thank you. This call is now concluded.'],
        'hang_up.scam': [
          'This call is terminated. No information will be provided.',
          'The call is ended for security reasons. Goodbye.',
          'Terminating the call. Any legitimate matter should be sent to {user} in writing.',
        ],
        'hang_up.end': ['This call is now ended. Goodbye.', 'I am concluding this call. Good day.', 'The conversation is closed. Thank you.', 'Ending the call now. Please do not call this number again.'],
      },
      openers: ['For the record.', 'To reiterate.', 'Please note.', 'As stated.'],
      closers: ['Thank you.', 'Good day.', 'Regards.', 'This decision is final.', 'Thank you for your understanding.'],
    },
    zh: {
      lines: {
        'initial.greeting': ['您好，这里是{user}的来电筛选服务，请说明您的姓名和来电事由。', '您好，您已接通{user}的通话助理，请问有什么可以帮您？', '感谢来电，请问您的姓名和来电目的是？'],
        'initial.question': ['这里是代表{user}接听电话的智能筛选助理，请说明来电目的。', '您正在与虚拟助理通话，请说明事由。', '线路已接通，请问有什么可以协助您？'],
        'handling.pitch': ['感谢介绍。{user}不接受{category}相关的推荐，我们不会继续。', '已了解。目前没有{category}方面的需求。', '谢谢您提供的信息，{user}无意办理此项业务。', '明白。关于{category}的提议，我们予以谢绝。'],
        'handling.persistence': ['理解。但我们的立场不变：没有需要。', '补充信息不会改变决定，谢谢。', '我需要再次谢绝，请尊重这一决定。'],
        'handling.question': ['我是代{user}接听电话的虚拟助理，商业推广类来电默认谢绝。', '可以听清，请简要说明事由。', '本线路由AI助理筛选，私人事务可代为转达。'],
        'handling.other': ['抱歉，我没有完全理解，请说明来电目的。', '请您说明来电的具体事由。', '明白。请问还有其他需要转达的吗？'],
        'firm_rejection.scam': ['该请求符合已知诈骗特征。我们不会转账或透露任何信息，本次通话将结束。', '正规机构不会通过电话要求转账或索取验证码，我们拒绝继续。', '出于安全原因，本次通话无法继续，请通过官方书面渠道联系。'],
        'firm_rejection.push': ['我们的决定是最终的，请将此号码从您的拨打名单中移除。', '我们已多次谢绝，今后请勿再就{category}来电。', '我正式请求您停止联系此号码。'],
        'firm_rejection.other': ['没有其他需要沟通的事项，本次通话即将结束。', '我们没有其他问题，感谢您的时间。', '此事已结束，我将挂断电话。'],
        'hang_up.goodbye': ['感谢来电，再见。', '明白，祝您顺利。', '谢谢，本次通话结束。'],
        'hang_up.scam': ['本次通话已终止，不会提供任何信息。', '出于安全原因结束通话，再见。', '通话终止。如有正当事务，请以书面形式联系{user}。'],
        'hang_up.end': ['本次通话现在结束，再见。', '我将结束本次通话，祝您顺利。', '通话到此结束，谢谢。', '现在挂断，请勿再拨打此号码。'],
      },
      openers: ['特此说明。', '重申一次。', '请注意。', '如前所述。'],
      closers: ['谢谢。', '祝您顺利。', '此决定为最终决定。', '感谢理解。', '再见。'],
    },
  },
};
