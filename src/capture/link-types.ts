// libpcap LINKTYPE_* names and which of them NetGuard decodes (https://www.tcpdump.org/linktypes.html).
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from './types.js';

/** Link types the decoder understands; packets of any other type are still delivered (and marked there). */
export const DECODABLE_LINK_TYPES: ReadonlySet<number> = new Set([
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
]);

const NAMES: Record<number, string> = {
  0: 'NULL',
  1: 'ETHERNET',
  3: 'AX25',
  6: 'IEEE802_5',
  7: 'ARCNET_BSD',
  8: 'SLIP',
  9: 'PPP',
  10: 'FDDI',
  50: 'PPP_HDLC',
  51: 'PPP_ETHER',
  100: 'ATM_RFC1483',
  101: 'RAW',
  104: 'C_HDLC',
  105: 'IEEE802_11',
  107: 'FRELAY',
  108: 'LOOP',
  113: 'LINUX_SLL',
  114: 'LTALK',
  119: 'IEEE802_11_PRISM',
  122: 'IP_OVER_FC',
  127: 'IEEE802_11_RADIOTAP',
  138: 'APPLE_IP_OVER_IEEE1394',
  139: 'MTP2_WITH_PHDR',
  143: 'DOCSIS',
  163: 'IEEE802_11_AVS',
  187: 'BLUETOOTH_HCI_H4',
  189: 'USB_LINUX',
  192: 'PPI',
  195: 'IEEE802_15_4_WITHFCS',
  201: 'BLUETOOTH_HCI_H4_WITH_PHDR',
  215: 'IEEE802_15_4_NONASK_PHY',
  220: 'USB_LINUX_MMAPPED',
  227: 'CAN_SOCKETCAN',
  228: 'IPV4',
  229: 'IPV6',
  239: 'NFLOG',
  240: 'NETANALYZER',
  249: 'USBPCAP',
  253: 'NETLINK',
  254: 'BLUETOOTH_LINUX_MONITOR',
  263: 'PKTAP',
  274: 'NORDIC_BLE',
  276: 'LINUX_SLL2',
  279: 'VPP_DISPATCH',
  283: 'IEEE802_15_4_TAP',
};
// LINKTYPE_USER0..USER15 are 147..162, reserved for private use.
for (let i = 0; i <= 15; i++) NAMES[147 + i] = `USER${i}`;

/** The libpcap name without its LINKTYPE_ prefix ("USER13" for 160), or "unnamed". */
export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `unnamed`;
}

/** The warning for an interface whose frames the decoder cannot read. */
export function unknownLinkTypeWarning(ifIndex: number, linkType: number): string {
  return `interface ${ifIndex} has link type ${linkType} (${linkTypeName(linkType)}), which NetGuard cannot decode`;
}

/**
 * The LINKTYPE_* number for a DLT_* number from pcap_datalink(). They agree on Linux except DLT_RAW,
 * which is 12 or 14 depending on the platform and LINKTYPE_RAW (101) in files.
 */
export function dltLinkType(dlt: number): number {
  return dlt === 12 || dlt === 14 ? LINKTYPE_RAW : dlt;
}
