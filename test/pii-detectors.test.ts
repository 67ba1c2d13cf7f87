import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectPii, isKnownDetectName, KNOWN_DETECT_NAMES, resolveOverlaps } from '../runtime/pii/detect.ts';
import { cardNetwork, TEST_PANS, validCardNumber } from '../runtime/pii/detectors/bank-card.ts';
import { DETECTORS } from '../runtime/pii/detectors/index.ts';
import { idCardCheckChar, validBirthDate, validIdCard15, validIdCard18 } from '../runtime/pii/detectors/id-card.ts';
import { isPlaceholderEmail } from '../runtime/pii/detectors/email.ts';
import { splitCountryCode } from '../runtime/pii/detectors/phone.ts';
import { luhnValid } from '../runtime/pii/detectors/util.ts';
import { maskText, maskValue, REDACTION_TOKENS } from '../runtime/pii/mask.ts';
import { labelSpans, loadCorpus, RULE_TYPES, scoreCorpus, STRUCTURED_TYPES } from '../runtime/pii/score.ts';
import { PII_TYPES, type PiiFinding, type PiiType } from '../runtime/pii/types.ts';

const CORPUS = fileURLToPath(new URL('./fixtures/pii-corpus/corpus.jsonl', import.meta.url));

/** Detected values of one type, in order. */
function found(text: string, type: PiiType): string[] {
  return detectPii(text, [type]).map((f) => text.slice(f.start, f.end));
}

/** Detected values over all types, as "type:value". */
function all(text: string): string[] {
  return detectPii(text, PII_TYPES).map((f) => `${f.type}:${text.slice(f.start, f.end)}`);
}

function withLuhn(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(partial + d)) return partial + d;
  throw new Error('unreachable');
}

function withIdCheck(first17: string): string {
  return first17 + idCardCheckChar(first17);
}

describe('PII types and names', () => {
  it('exposes the nine types as the known detect names', () => {
    expect([...PII_TYPES]).toEqual(['phone', 'id_card', 'bank_card', 'email', 'passport', 'wechat', 'alipay', 'name', 'address']);
    expect(KNOWN_DETECT_NAMES).toEqual(PII_TYPES);
    expect(isKnownDetectName('phone')).toBe(true);
    expect(isKnownDetectName('ssn')).toBe(false);
  });

  it('has at least one detector per type, each with a unique name', () => {
    for (const t of PII_TYPES) expect(DETECTORS.some((d) => d.type === t)).toBe(true);
    expect(new Set(DETECTORS.map((d) => d.name)).size).toBe(DETECTORS.length);
  });
});

describe('check-digit logic', () => {
  it('computes the ISO 7064 MOD 11-2 check character', () => {
    expect(idCardCheckChar('11010519491231002')).toBe('X'); // GB 11643 example
    expect(idCardCheckChar('44030519900101123')).toMatch(/^[0-9X]$/);
    expect(validIdCard18('11010519491231002X')).toBe(true);
    expect(validIdCard18('11010519491231002x')).toBe(true);
    expect(validIdCard18('110105194912310021')).toBe(false); // wrong check char
  });

  it('requires a real past birth date and a known province', () => {
    const now = new Date(2024, 5, 15);
    expect(validIdCard18(withIdCheck('11010520240615123'), now)).toBe(true); // born today
    expect(validIdCard18(withIdCheck('11010520240616123'), now)).toBe(false); // tomorrow
    expect(validIdCard18(withIdCheck('11010519900230123'), now)).toBe(false); // Feb 30
    expect(validIdCard18(withIdCheck('11010520000229123'), now)).toBe(true); // leap day
    expect(validIdCard18(withIdCheck('11010519000229123'), now)).toBe(false); // 1900 not leap
    expect(validIdCard18(withIdCheck('11010518991231123'), now)).toBe(false); // < 1900
    expect(validIdCard18(withIdCheck('99010519900101123'), now)).toBe(false); // province 99
    expect(validIdCard18(withIdCheck('91010519900101123'), now)).toBe(false); // first digit 9
    expect(validIdCard18(withIdCheck('20010519900101123'), now)).toBe(false); // province 20
    expect(validBirthDate(2023, 2, 29)).toBe(false);
    expect(validIdCard15('110105491231002')).toBe(true);
    expect(validIdCard15('110105491331002')).toBe(false); // month 13
  });

  it('implements Luhn and the IIN table', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true);
    expect(cardNetwork(withLuhn('411111111111111'))).toBe('visa');
    expect(cardNetwork(withLuhn('222100000000000'))).toBe('mastercard');
    expect(cardNetwork(withLuhn('272099999999999'))).toBe('mastercard');
    expect(cardNetwork(withLuhn('272100000000000'))).toBe(null);
    expect(cardNetwork(withLuhn('37828224631000'))).toBe('amex');
    expect(cardNetwork(withLuhn('622202123456789012'))).toBe('unionpay');
    expect(cardNetwork(withLuhn('353011133330000'))).toBe('jcb');
    expect(cardNetwork(withLuhn('601100099013942'))).toBe('discover');
    expect(cardNetwork(withLuhn('3056930902590'))).toBe('diners');
    expect(cardNetwork(withLuhn('41111111111111'))).toBe(null); // Visa with 15 digits
    expect(cardNetwork(withLuhn('912345678901234'))).toBe(null); // unknown IIN
    expect(validCardNumber(withLuhn('622202123456789012'))).toBe(true);
    expect(validCardNumber('6222021234567890120')).toBe(luhnValid('6222021234567890120'));
    for (const pan of TEST_PANS) expect(luhnValid(pan)).toBe(true);
  });

  it('splits assigned country codes only', () => {
    expect(splitCountryCode('8613812345678')).toEqual(['86', '13812345678']);
    expect(splitCountryCode('14155552671')).toEqual(['1', '4155552671']);
    expect(splitCountryCode('85291234567')).toEqual(['852', '91234567']);
    expect(splitCountryCode('99912345678')).toBe(null);
    expect(splitCountryCode('0123456789')).toBe(null);
  });

  it('detects every generated valid ID and rejects every corrupted one (property)', () => {
    const regions = ['110101', '310104', '440305', '510107', '650102', '820000'];
    fc.assert(
      fc.property(
        fc.constantFrom(...regions),
        fc.date({ min: new Date(1900, 0, 1), max: new Date(2019, 11, 31), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 10 }),
        (region, d, seq, shift) => {
          const ymd = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
          const first17 = region + ymd + String(seq).padStart(3, '0');
          const id = withIdCheck(first17);
          expect(found(`身份证号：${id}。`, 'id_card')).toEqual([id]);
          const chars = '0123456789X';
          const wrong = first17 + chars[(chars.indexOf(id[17]) + shift) % 11];
          expect(found(`身份证号：${wrong}。`, 'id_card')).toEqual([]);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('phone', () => {
  it('finds mainland mobiles with prefixes and separators', () => {
    expect(found('我的手机号是13812345678。', 'phone')).toEqual(['13812345678']);
    expect(found('请拨打+86 138 1234 5678', 'phone')).toEqual(['+86 138 1234 5678']);
    expect(found('0086-13812345678', 'phone')).toEqual(['0086-13812345678']);
    expect(found('(+86) 138-1234-5678', 'phone')).toEqual(['(+86) 138-1234-5678']);
    expect(found('电话：138 1234 5678，微信同号', 'phone')).toEqual(['138 1234 5678']);
    expect(found('call 8613912345678 now', 'phone')).toEqual(['8613912345678']);
    expect(found('电话：13812345678/13912345678', 'phone')).toEqual(['13812345678', '13912345678']);
  });

  it('finds international E.164 numbers with a sane country code', () => {
    expect(found('Call +1 (415) 555-2671 today', 'phone')).toEqual(['+1 (415) 555-2671']);
    expect(found('UK: +44 20 7946 0958.', 'phone')).toEqual(['+44 20 7946 0958']);
    expect(found('HK +852 9123 4567', 'phone')).toEqual(['+852 9123 4567']);
    expect(found('+7 912 345-67-89', 'phone')).toEqual(['+7 912 345-67-89']);
    expect(found('+86 21 6438 1234', 'phone')).toEqual(['+86 21 6438 1234']);
  });

  it('rejects hard negatives', () => {
    for (const t of [
      '138123456789', // 12 digits
      '订单号：13812345678',
      'Zoom meeting ID: 138 1234 5678',
      'https://x.cn/u/13812345678',
      'a13812345678b',
      '0x13812345678',
      'v1.13812345678',
      'file 13812345678.log',
      '14412345678', // unallocated prefix
      '+999 12345678', // unassigned country code
      '+1 055 555 0100', // NANP area code cannot start with 0
      'UTC+08:00',
      'ts 1705312345678',
      'sha 9f86d0813812345678ab',
      '2+13812345678',
      'tel:+1-202-555-0143', // NANP 555-01xx is reserved for fiction
    ]) {
      expect(found(t, 'phone'), t).toEqual([]);
    }
  });
});

describe('id_card', () => {
  it('finds 18- and 15-digit IDs', () => {
    expect(found('身份证号：11010519491231002X', 'id_card')).toEqual(['11010519491231002X']);
    expect(found('ID 11010519491231002x.', 'id_card')).toEqual(['11010519491231002x']);
    expect(found('身份证：110105 19491231 002X', 'id_card')).toEqual(['110105 19491231 002X']);
    expect(found('老身份证110105491231002还能用吗', 'id_card')).toEqual(['110105491231002']);
  });

  it('rejects hard negatives', () => {
    for (const t of [
      '110105194912310021', // wrong check char
      withIdCheck('99010519900101123'),
      `x${'11010519491231002X'}`,
      `${'11010519491231002X'}9`,
      '110101YYYYMMDDXXXX',
      'IMEI 350203491231002', // 15 digits after an identifier label
      'order 110105491231002',
      '20240115123456789012',
    ]) {
      expect(found(t, 'id_card'), t).toEqual([]);
    }
  });
});

describe('bank_card', () => {
  const visa = withLuhn('453914880343646');
  const up19 = withLuhn('621700123456789012');
  const amex = withLuhn('37612345678901');

  it('finds Luhn-valid numbers in known IIN ranges, bare or grouped', () => {
    expect(found(`卡号：${up19}`, 'bank_card')).toEqual([up19]);
    const g = visa.match(/.{4}/g)!.join(' ');
    expect(found(`card ${g} exp 09/26`, 'bank_card')).toEqual([g]);
    const d = visa.match(/.{4}/g)!.join('-');
    expect(found(`card: ${d}`, 'bank_card')).toEqual([d]);
    const a = `${amex.slice(0, 4)} ${amex.slice(4, 10)} ${amex.slice(10)}`;
    expect(found(`Amex ${a}.`, 'bank_card')).toEqual([a]);
    expect(found(`order card no: ${visa}`, 'bank_card')).toEqual([visa]); // card label nearer than "order"
  });

  it('rejects hard negatives (code contexts, identifiers, test PANs)', () => {
    const notLuhn = visa.slice(0, -1) + String((Number(visa.slice(-1)) + 1) % 10);
    for (const t of [
      notLuhn,
      withLuhn('912345678901234'), // unknown IIN
      '4111 1111 1111 1111', // public test PAN
      'const k = "4242424242424242";',
      `0x${visa}`,
      `deadbeef${visa}cafe`,
      `550e8400-e29b-41d4-a716-${withLuhn('44665544000')}`,
      `${visa}0`, // longer run
      `${visa}.5`,
      `order_id=${visa}`,
      `orderId: ${visa}`,
      `Order #${visa} shipped`,
      `订单号：${up19}`,
      `交易流水号 ${up19}`,
      `https://shop.test/orders/${visa}`,
      `user_id=${up19}`,
      `let n = ${visa}n;`,
    ]) {
      expect(found(t, 'bank_card'), t).toEqual([]);
    }
  });
});

describe('email', () => {
  it('finds real-looking addresses', () => {
    expect(found('邮箱：zhang.wei@163.com，谢谢', 'email')).toEqual(['zhang.wei@163.com']);
    expect(found('Email me: Priya.Patel@Brightline.io.', 'email')).toEqual(['Priya.Patel@Brightline.io']);
    expect(found('Write to support@brightline.io', 'email')).toEqual(['support@brightline.io']);
    expect(found('<a href="mailto:x.y@corp.cn">', 'email')).toEqual(['x.y@corp.cn']);
    expect(found('From: Sarah <sarah.t@outlook.com>', 'email')).toEqual(['sarah.t@outlook.com']);
  });

  it('skips placeholders, system senders, licence headers and look-alikes', () => {
    for (const t of [
      'user@example.com',
      'a@sub.example.org',
      'foo@bar.com',
      'test@test.com',
      'xxx@xxx.com',
      'your.name@yourcompany.com',
      'noreply@github.com',
      'no-reply@accounts.google.com',
      'admin@build.local',
      'Copyright (c) 2020 Jane Roe <jane@roe-labs.dev>',
      ' * @author Bob Stone <bob@stone-software.com>',
      'git clone git@github.com:acme/widgets.git',
      'https://user:pw@host.com/x',
      'icon@2x.png',
      'npm i lodash@4.17.21',
      'ssh root@10.0.0.5',
      '"author": "Jane Roe <jane.roe@roe-labs.dev>",',
      'Author: Titus Stone <titus@stone-dev.com>',
      '- Peter (12345+peter@users.noreply.github.com)',
    ]) {
      expect(found(t, 'email'), t).toEqual([]);
    }
    expect(isPlaceholderEmail('john.doe@gmail.com')).toBe(true);
    expect(isPlaceholderEmail('john.smith@gmail.com')).toBe(false);
  });
});

describe('passport', () => {
  it('finds mainland passports without context and others with context', () => {
    expect(found('护照号：E12345678', 'passport')).toEqual(['E12345678']);
    expect(found('EA1234567 issued 2020', 'passport')).toEqual(['EA1234567']);
    expect(found('old G12345678', 'passport')).toEqual(['G12345678']);
    expect(found('diplomatic DE1234567', 'passport')).toEqual(['DE1234567']);
    expect(found('My passport number is 123456789.', 'passport')).toEqual(['123456789']);
    expect(found('Passport: K1234567, expiring soon', 'passport')).toEqual(['K1234567']);
    expect(found('护照号 X1234567', 'passport')).toEqual(['X1234567']);
  });

  it('rejects look-alikes', () => {
    for (const t of [
      'Error E12345678',
      '型号 G12345678 停产',
      'E1234567',
      'EI1234567',
      'E12345678901',
      'abcE12345678',
      '123456789',
      'K1234567',
      'The passport office opens at 9.',
    ]) {
      expect(found(t, 'passport'), t).toEqual([]);
    }
  });
});

describe('wechat / alipay', () => {
  it('finds IDs after context words', () => {
    expect(found('加我微信：zhang_wei88', 'wechat')).toEqual(['zhang_wei88']);
    expect(found('WeChat ID: wxid_abc123def', 'wechat')).toEqual(['wxid_abc123def']);
    expect(found('我的微信号是 13812345678', 'wechat')).toEqual(['13812345678']);
    expect(found('vx：lily-2020，私聊', 'wechat')).toEqual(['lily-2020']);
    expect(found('微信搜索 sunny2019 加好友', 'wechat')).toEqual(['sunny2019']);
    expect(found('支付宝账号：13812345678', 'alipay')).toEqual(['13812345678']);
    expect(found('Alipay: li.na@163.com', 'alipay')).toEqual(['li.na@163.com']);
    expect(found('我的支付宝是 138 1234 5678', 'alipay')).toEqual(['138 1234 5678']);
  });

  it('rejects context words without a plausible ID', () => {
    for (const t of ['微信支付 128元', 'WeChat is great', '微信：zhangsan', 'The WeChat integration is ready']) {
      expect(found(t, 'wechat'), t).toEqual([]);
    }
    for (const t of ['支付宝：user@example.com', '支付宝扫码支付', 'alipay 12345', 'Alipay support is coming soon']) {
      expect(found(t, 'alipay'), t).toEqual([]);
    }
  });
});

describe('name / address cues', () => {
  it('finds the name after a cue', () => {
    expect(found('我叫张伟，今年28岁', 'name')).toEqual(['张伟']);
    expect(found('我叫张伟今年28岁', 'name')).toEqual(['张伟']);
    expect(found('我的名字是欧阳娜娜', 'name')).toEqual(['欧阳娜娜']);
    expect(found('姓名：李明华', 'name')).toEqual(['李明华']);
    expect(found('收件人：王先生', 'name')).toEqual(['王先生']);
    expect(found('你好，我是陈静，身份证…', 'name')).toEqual(['陈静']);
    expect(found('My name is Emily Johnson.', 'name')).toEqual(['Emily Johnson']);
    expect(found("My name's Liam O'Brien, hi", 'name')).toEqual(["Liam O'Brien"]);
    expect(found('Name: Mohammed Al-Fayed', 'name')).toEqual(['Mohammed Al-Fayed']);
    expect(found('Call me Ishmael.', 'name')).toEqual(['Ishmael']);
  });

  it('rejects cue words without a name', () => {
    for (const t of [
      '我叫了个车',
      '我是王者荣耀玩家',
      '我是新来的',
      '收件人那一栏先空着',
      'my name is not important',
      '- name: Build And Test',
      'name: String',
      'Call me tomorrow',
      'username: Alice Smith',
      'Subject Common Name: DigiCert High Assurance',
      'Package name: Left Pad',
    ]) {
      expect(found(t, 'name'), t).toEqual([]);
    }
  });

  it('finds the address after a cue, or a fully structured Chinese address', () => {
    expect(found('我住在浙江省杭州市西湖区文三路90号附近', 'address')).toEqual(['浙江省杭州市西湖区文三路90号']);
    expect(found('地址：上海市徐汇区漕溪北路88号3号楼1205室，电话13812345678', 'address')).toEqual([
      '上海市徐汇区漕溪北路88号3号楼1205室',
    ]);
    expect(found('请送货：北京市朝阳区建国路88号', 'address')).toEqual(['北京市朝阳区建国路88号']);
    expect(found('家庭住址：河南省郑州市金水区花园路 16 号院 3 号楼', 'address')).toEqual(['河南省郑州市金水区花园路 16 号院 3 号楼']);
    expect(found('I live at 221B Baker Street, London NW1 6XE.', 'address')).toEqual(['221B Baker Street, London NW1 6XE']);
    expect(found('Ship to: 350 Fifth Avenue, Apt 4B, New York, NY 10118', 'address')).toEqual([
      '350 Fifth Avenue, Apt 4B, New York, NY 10118',
    ]);
  });

  it('rejects non-addresses', () => {
    for (const t of ['address: 0.0.0.0', 'IP address: 10.0.0.1', '服务器地址：192.168.1.10:8080', '我住在北京', '家住朝阳区', 'I live at the office', 'My address is on file.']) {
      expect(found(t, 'address'), t).toEqual([]);
    }
  });
});

describe('detectPii', () => {
  it('returns sorted, non-overlapping findings and prefers the specific type', () => {
    const t = '支付宝：13812345678，邮箱 zhang.wei@163.com，手机 13912345678';
    expect(all(t)).toEqual(['alipay:13812345678', 'email:zhang.wei@163.com', 'phone:13912345678']);
    // only phone requested: the alipay value is reported as a phone
    expect(found(t, 'phone')).toEqual(['13812345678', '13912345678']);
    expect(detectPii(t, [])).toEqual([]);
    expect(detectPii('', PII_TYPES)).toEqual([]);
  });

  it('resolves overlaps deterministically', () => {
    const f = (type: PiiType, start: number, end: number, detector = 'x'): PiiFinding => ({ type, start, end, detector });
    expect(resolveOverlaps([f('phone', 5, 10), f('phone', 0, 12), f('email', 20, 30)])).toEqual([f('phone', 0, 12), f('email', 20, 30)]);
    expect(resolveOverlaps([f('phone', 0, 11), f('alipay', 0, 11)])).toEqual([f('alipay', 0, 11)]);
    expect(resolveOverlaps([f('name', 0, 4), f('address', 3, 9), f('phone', 8, 12)])).toEqual([f('name', 0, 4), f('phone', 8, 12)]);
  });

  it('never throws and keeps findings in bounds, sorted and disjoint (property)', () => {
    const alphabet = fc.constantFrom(
      ...'0123456789 -+()@.:_xX#/\n'.split(''),
      'a', 'E', 'G', '微信', '支付宝', '我叫', '地址：', '路', '号', 'passport', 'my name is ', 'Ann ', '138', '4111', '110105',
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
        const text = parts.join('');
        const fs = detectPii(text, PII_TYPES);
        for (let i = 0; i < fs.length; i++) {
          expect(fs[i].start).toBeGreaterThanOrEqual(0);
          expect(fs[i].end).toBeLessThanOrEqual(text.length);
          expect(fs[i].end).toBeGreaterThan(fs[i].start);
          if (i > 0) expect(fs[i].start).toBeGreaterThanOrEqual(fs[i - 1].end);
        }
        expect(detectPii(text, PII_TYPES)).toEqual(fs);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('scans 100 KB of mixed text quickly', () => {
    const entries = loadCorpus(CORPUS);
    let text = '';
    for (let i = 0; text.length < 100 * 1024; i++) {
      text += `${entries[i % entries.length].text}\nThe gateway routes each request to the cheapest healthy provider; 网关会根据路由策略选择模型。\n`;
    }
    for (let i = 0; i < 5; i++) detectPii(text, PII_TYPES);
    const t0 = performance.now();
    detectPii(text, PII_TYPES);
    expect(performance.now() - t0).toBeLessThan(100); // generous: the bench measures the real figure
  });
});

describe('masking', () => {
  it('renders the documented masks', () => {
    const m = (text: string, type: PiiType, detector = 'x') => maskValue(text, { type, start: 0, end: text.length, detector });
    expect(m('13812345678', 'phone', 'cn_mobile')).toBe('138****5678');
    expect(m('+86 138 1234 5678', 'phone', 'cn_mobile')).toBe('138****5678');
    expect(m('+44 20 7946 0958', 'phone', 'e164')).toBe('+44****0958');
    expect(m('alice@example.com', 'email')).toBe('a***@example.com');
    expect(m('11010519491231002X', 'id_card')).toBe('[ID_CARD]');
    expect(m('6222 0212 3456 7890', 'bank_card')).toBe('****7890');
    expect(m('li.na@163.com', 'alipay')).toBe('l***@163.com');
    expect(m('wxid_abc123', 'wechat')).toBe(REDACTION_TOKENS.wechat);
    expect(maskText('手机13812345678，谢谢', detectPii('手机13812345678，谢谢', PII_TYPES))).toBe('手机138****5678，谢谢');
  });

  it('never leaks a labelled value from the corpus', () => {
    for (const e of loadCorpus(CORPUS)) {
      const findings = detectPii(e.text, PII_TYPES);
      const masked = maskText(e.text, findings);
      for (const l of labelSpans(e)) {
        const value = e.text.slice(l.start, l.end);
        const mv = maskValue(e.text, { ...l, detector: 'label' });
        expect(mv.includes(value), `${e.id} ${l.type}`).toBe(false);
        const digits = value.replace(/\D/g, '');
        if (digits.length >= 8) expect(mv.replace(/\D/g, '').includes(digits), `${e.id} ${l.type} digits`).toBe(false);
        expect(masked.includes(value), `${e.id} ${l.type} in maskText`).toBe(false);
      }
    }
  });
});

describe('corpus', () => {
  const entries = loadCorpus(CORPUS);

  it('is large, bilingual, covers every type and has hard negatives', () => {
    expect(entries.length).toBeGreaterThanOrEqual(200);
    const zh = entries.filter((e) => e.lang === 'zh').length;
    expect(zh / entries.length).toBeGreaterThan(0.4);
    expect(zh / entries.length).toBeLessThan(0.6);
    const types = new Set(entries.flatMap((e) => e.labels.map((l) => l.type)));
    for (const t of PII_TYPES) expect(types.has(t), t).toBe(true);
    expect(entries.filter((e) => e.labels.length === 0).length).toBeGreaterThanOrEqual(80);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    for (const e of entries) expect(() => labelSpans(e)).not.toThrow();
  });

  it('meets recall ≥ 0.98 and precision ≥ 0.95 over the rule types (same scoring as the bench)', () => {
    const r = scoreCorpus(entries, RULE_TYPES);
    expect(r.overall.recall, JSON.stringify(r.misses)).toBeGreaterThanOrEqual(0.98);
    expect(r.overall.precision, JSON.stringify(r.falsePositives)).toBeGreaterThanOrEqual(0.95);
    const s = scoreCorpus(entries, STRUCTURED_TYPES);
    expect(s.overall.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.overall.precision).toBeGreaterThanOrEqual(0.95);
  });
});
