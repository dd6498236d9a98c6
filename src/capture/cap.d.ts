// Type declarations for the `cap` 0.2.1 native module (libpcap binding), which ships none.
declare module 'cap' {
  import type { EventEmitter } from 'node:events';

  export interface CapAddress {
    addr?: string;
    netmask?: string;
    broadaddr?: string;
    dstaddr?: string;
  }

  export interface CapDevice {
    name: string;
    description?: string;
    addresses: CapAddress[];
    /** Only ever 'PCAP_IF_LOOPBACK' when set. */
    flags?: string;
  }

  export class Cap extends EventEmitter {
    constructor();
    /**
     * Opens a live capture and returns the link type name: 'ETHERNET', 'NULL', 'RAW',
     * 'LINKTYPE_LINUX_SLL', 'IEEE802_11_RADIO', or 'Unknown linktype <n>'. Throws libpcap's message.
     * `buffer` receives each packet; it must stay referenced for the whole capture.
     */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    /** Stops the capture; true when a capture was open. */
    close(): boolean;
    send(buffer: Buffer, length?: number): void;
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    static deviceList(): CapDevice[];
    static findDevice(ip?: string): string | undefined;
  }

  export const decoders: unknown;
}
