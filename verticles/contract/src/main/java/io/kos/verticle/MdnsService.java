package io.kos.verticle;

/**
 * How a kOS node announces itself on a local network (mDNS / DNS-SD), which Ronin browses: the
 * service type and the TXT keys. The TXT record is a hint for where to probe; only the signed
 * identity document served at that address says who the node is.
 */
public final class MdnsService {

  public static final String TYPE = "_kos-node._tcp.local.";
  public static final String TXT_CLASS = "class";
  public static final String TXT_PORT = "port";
  public static final String TXT_DID = "did";

  private MdnsService() {
  }
}
