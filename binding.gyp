# The project's native capture addon (src/capture/native/pcap-batch.cc): batched libpcap capture with
# kernel timestamps and drop counters. Built by node-gyp from scripts/setup.sh and on npm install.
{
  'targets': [
    {
      'target_name': 'pcap_batch',
      'sources': ['src/capture/native/pcap-batch.cc'],
      'cflags_cc': ['-std=c++17', '-O2', '-Wall', '-Wextra'],
      'libraries': ['-lpcap'],
    },
  ],
}
