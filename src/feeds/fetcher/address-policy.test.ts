import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, createAddressPolicy, literalAddress, type AddressKind } from './address-policy.js';

const CASES: [string, AddressKind][] = [
  // IPv4 public
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['192.0.1.1', 'public'],
  ['192.169.0.1', 'public'],
  ['198.17.255.255', 'public'],
  ['198.20.0.0', 'public'],
  ['223.255.255.255', 'public'],
  // IPv4 special
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'reserved'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['100.64.0.1', 'carrier_grade_nat'],
  ['100.127.255.254', 'carrier_grade_nat'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['169.254.169.254', 'link_local'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.8', 'ietf_protocol'],
  ['192.0.0.170', 'ietf_protocol'],
  ['192.0.2.1', 'documentation'],
  ['192.88.99.1', 'reserved'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  // IPv6 public
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4007:80e::200e', 'public'],
  ['[2001:4860:4860::8888]', 'public'],
  ['64:ff9b::808:808', 'public'], // NAT64 of 8.8.8.8
  ['2002:0808:0808::1', 'public'], // 6to4 of 8.8.8.8
  // IPv6 special
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:169.254.169.254', 'link_local'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::ffff:8.8.8.8', 'public'],
  ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible
  ['::ffff:0:a00:1', 'reserved'], // SIIT
  ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::a9fe:a9fe', 'link_local'],
  ['64:ff9b:1::1', 'reserved'],
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:a00:1::1', 'private'],
  ['100::1', 'reserved'],
  ['2001::1', 'ietf_protocol'], // Teredo
  ['2001:2::1', 'ietf_protocol'], // benchmarking
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf::1', 'link_local'],
  ['fec0::1', 'reserved'],
  ['ff02::1', 'multicast'],
  ['ff0e::1', 'multicast'],
  ['4000::1', 'reserved'], // outside 2000::/3
  ['1::1', 'reserved'],
  // Not addresses
  ['', 'invalid'],
  ['localhost', 'invalid'],
  ['example.com', 'invalid'],
  ['256.0.0.1', 'invalid'],
  ['1.2.3', 'invalid'],
  ['010.0.0.1', 'invalid'], // leading zeros: never produced by DNS or the URL parser, refused
  ['::ffff:999.0.0.1', 'invalid'],
  ['1:2:3:4:5:6:7:8:9', 'invalid'],
  ['gggg::1', 'invalid'],
];

describe('classifyAddress', () => {
  for (const [address, kind] of CASES) {
    it(`${address || '(empty)'} is ${kind}`, () => {
      assert.equal(classifyAddress(address), kind);
    });
  }
});

describe('URL hostnames', () => {
  // The WHATWG URL parser normalizes every IPv4 notation to a dotted quad, and IPv6 to its short form:
  // the policy only ever sees those, which is why it can stay strict about its input.
  const NOTATIONS: [string, string, AddressKind][] = [
    ['http://2130706433/', '127.0.0.1', 'loopback'],
    ['http://0x7f000001/', '127.0.0.1', 'loopback'],
    ['http://0x7f.0.0.1/', '127.0.0.1', 'loopback'],
    ['http://017700000001/', '127.0.0.1', 'loopback'],
    ['http://0177.0.0.01/', '127.0.0.1', 'loopback'],
    ['http://127.1/', '127.0.0.1', 'loopback'],
    ['http://127.0.1/', '127.0.0.1', 'loopback'],
    ['http://0/', '0.0.0.0', 'unspecified'],
    ['http://169.254.43518/', '169.254.169.254', 'link_local'],
    ['http://0xa9fea9fe/', '169.254.169.254', 'link_local'],
    ['http://167772161/', '10.0.0.1', 'private'],
    ['http://[::1]/', '::1', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', '::1', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
    ['http://[::ffff:a00:1]/', '::ffff:a00:1', 'private'],
    ['http://[64:ff9b::127.0.0.1]/', '64:ff9b::7f00:1', 'loopback'],
  ];
  for (const [url, address, kind] of NOTATIONS) {
    it(`${url} is ${address} (${kind})`, () => {
      const literal = literalAddress(new URL(url).hostname);
      assert.equal(literal, address);
      assert.equal(classifyAddress(literal!), kind);
    });
  }

  it('leaves DNS names alone, including ones that look numeric', () => {
    assert.equal(literalAddress(new URL('http://feeds.example.com/').hostname), undefined);
    assert.equal(literalAddress(new URL('http://127.0.0.1.nip.io/').hostname), undefined);
    assert.equal(literalAddress('localhost'), undefined);
  });
});

describe('createAddressPolicy', () => {
  it('blocks every special range by default and allows public addresses', () => {
    const policy = createAddressPolicy();
    assert.deepEqual(policy.check('8.8.8.8'), { allowed: true, kind: 'public' });
    assert.deepEqual(policy.check('127.0.0.1'), { allowed: false, kind: 'loopback' });
    assert.deepEqual(policy.check('::ffff:192.168.0.1'), { allowed: false, kind: 'private' });
    assert.deepEqual(policy.check('nonsense'), { allowed: false, kind: 'invalid' });
  });

  it('allowPrivateAddresses allows every valid address, but never an invalid one', () => {
    const policy = createAddressPolicy({ allowPrivateAddresses: true });
    for (const address of ['127.0.0.1', '10.1.2.3', '::1', 'fd00::1', '169.254.169.254']) {
      assert.equal(policy.check(address).allowed, true, address);
    }
    assert.equal(policy.check('not-an-ip').allowed, false);
  });

  it('allowedAddresses opens exactly the listed addresses and ranges', () => {
    const policy = createAddressPolicy({ allowedAddresses: ['127.0.0.1', '10.20.0.0/16', 'fd00:1::/32'] });
    assert.equal(policy.check('127.0.0.1').allowed, true);
    assert.equal(policy.check('::ffff:127.0.0.1').allowed, true, 'the IPv4-mapped form of an allowed address');
    assert.equal(policy.check('127.0.0.2').allowed, false);
    assert.equal(policy.check('::1').allowed, false);
    assert.equal(policy.check('10.20.99.1').allowed, true);
    assert.equal(policy.check('10.21.0.1').allowed, false);
    assert.equal(policy.check('fd00:1:ffff::1').allowed, true);
    assert.equal(policy.check('fd00:2::1').allowed, false);
    assert.equal(policy.check('169.254.169.254').allowed, false);
    assert.deepEqual(policy.check('127.0.0.1'), { allowed: true, kind: 'loopback' });
  });

  it('refuses malformed allowedAddresses entries when created', () => {
    for (const entry of ['localhost', '10.0.0.0/33', '10.0.0.0/', '::1/129', '10.0.0.0/8x']) {
      assert.throws(() => createAddressPolicy({ allowedAddresses: [entry] }), RangeError, entry);
    }
    assert.doesNotThrow(() => createAddressPolicy({ allowedAddresses: ['0.0.0.0/0', '::/0'] }));
  });
});
