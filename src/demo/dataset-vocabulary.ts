// The words, names and values the dataset (src/demo/dataset.ts) draws from.
import type { Rng } from './dataset-random.ts';

export const EN_PHRASES = [
  'Hello, are you still interested in our products?', 'Thanks for your order!', 'Could you send me the price list?',
  'What is the minimum order quantity?', 'We can ship tomorrow.', 'Please check the attachment.', 'Ok', 'Sure, no problem',
  'How much for 500 pcs?', 'Do you have this in blue?', "I'll call you later", 'Payment received, thank you',
  'Can you give me a discount?', 'The tracking number is attached.', 'Good morning', 'See you next week',
  'Is the warranty included?', 'Let me check with my manager', 'Where are you located?', 'Yes', 'No, thanks',
  'When will it arrive?', 'Please confirm the delivery address.', 'Happy new year!', 'Can we have a video call?',
  'The sample looks great', 'I need the invoice for customs', 'hi', 'What about shipping to Jakarta?', 'Noted with thanks',
];
export const ZH_PHRASES = [
  '你好,请问有什么可以帮您?', '这里是China', '再见', '好的,我马上安排发货', '价格可以再优惠一点吗?', '请发一下报价单',
  '收到,谢谢', '明天给您回复', '这个型号还有库存吗', '已经付款了', '麻烦确认一下地址', '周末愉快', '我们的工厂在深圳',
  '样品已经寄出', '请问什么时候到货?', '没问题', '稍等一下', '您好,在吗?', '发票已经开好了', '可以视频看看产品吗',
  '最低起订量是多少', '物流单号发您了', '新年快乐!', '谢谢您的支持', '这个颜色卖得最好',
];
export const EMOJI = ['😀', '😂', '👍', '🙏', '❤️', '🎉', '🔥', '😊', '🤝', '📦', '✅', '😅', '🌸', '💰', '🚚', '👌', '🙂'];
export const FIRST_NAMES = ['Jack', 'Maria', 'Ahmed', 'Priya', 'Budi', 'Carlos', 'Emma', 'Lawrence', 'Fatima', 'Lucas', 'Ana', 'Mehmet', 'Siti', 'John', 'Olivia', 'Raj'];
export const LAST_NAMES = ['Smith', 'Garcia', 'Khan', 'Sharma', 'Santoso', 'Rodriguez', 'Evbuomwan', 'Silva', 'Yilmaz', 'Brown', 'Nguyen', 'Patel'];
export const ZH_NAMES = ['张伟', '李娜', '王芳', '刘洋', '陈静', '杨磊', '赵敏', '黄强', '周杰', '吴婷', '徐鹏', '孙丽'];
export const TAGS = ['测试', 'VIP', '新客户', '意向客户', '已成交', '潜在客户', '回访', '高意向', '复购', 'wholesale', 'retail', 'distributor', '11111', '测试000000000000000000'];
export const PROFESSIONS = ['', '', '', 'IT', '教师', 'Sales', 'Engineer', '医生', 'Trader', '学生'];
export const INCOMES = ['', '', '', '100002', '5000-10000', '20w+', '3000'];
export const DESCS = ['', '', '', '备注', '老客户介绍', 'follow up in March', '展会认识'];
export const ADDRESSES = ['', '', '北京', '上海', '广州', '深圳', 'London', 'Jakarta', 'Bogotá', 'Mumbai', 'São Paulo', 'Istanbul'];
export const EMAIL_DOMAINS = ['gmail.com', 'qq.com', '163.com', 'outlook.com', 'yahoo.com'];
export const TENANT_NAMES = ['ChiuChiu Furniture', '深圳市星辰贸易有限公司', 'Nusantara Export', 'Bogotá Textiles', '杭州云帆科技', 'Mumbai Spices Co', '广州美妆批发', 'Istanbul Carpets'];
export const GROUP_NAMES = ['VIP客户群', 'Wholesale Buyers', '深圳展会交流群', 'Team 🚀', '新品通知群', 'Distributors ID'];
export const BIZ_NAMES = ['ChiuChiu Furniture', 'Golden Dragon Trading', '星辰贸易', 'Sunrise Logistics'];
export const FILE_NAMES = ['报价单.pdf', 'catalog-2024.pdf', '合同.doc', 'price list.xls', 'invoice_0098.pdf', '产品目录.ppt', 'packing-list.xls'];

export const MEDIA_MIME: Readonly<Record<1 | 2 | 3 | 4 | 7, readonly string[]>> = {
  1: ['image/jpeg', 'image/jpeg', 'image/jpeg', 'image/png', 'image/webp'],
  2: ['video/mp4'],
  3: ['audio/ogg; codecs=opus', 'audio/ogg; codecs=opus', 'audio', 'audio/aac', 'audio/m4a', 'audio/amr', 'audio/mpeg'],
  4: ['application/pdf', 'application/pdf', 'application/msword', 'application/ppt', 'application/xls', 'document'],
  7: ['image/webp'],
};

/** Phone number generators by country (bare digits). */
export const PHONES: ReadonlyArray<(r: Rng) => string> = [
  (r) => '861' + r.range(3, 9) + r.digits(9), // China, 13 digits
  (r) => '447' + r.digits(9), // UK
  (r) => '91' + r.range(6, 9) + r.digits(9), // India
  (r) => '628' + r.digits(9 + r.int(2)), // Indonesia
  (r) => '1' + r.range(2, 9) + r.digits(9), // US
  (r) => '55119' + r.digits(8), // Brazil
  (r) => '573' + r.digits(9), // Colombia
  (r) => '905' + r.digits(9), // Turkey
];
