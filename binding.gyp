{
  "targets": [
    {
      "target_name": "eoip_netlink",
      "sources": ["native/netlink.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "defines": ["_GNU_SOURCE"]
    }
  ]
}
