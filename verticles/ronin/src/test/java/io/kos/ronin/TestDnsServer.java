package io.kos.ronin;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An authoritative DNS server on loopback for a zone the test writes (A, AAAA and SRV records), so
 * that domain targets resolve without any query leaving the machine. A name it does not hold is
 * NXDOMAIN; {@link #queries()} counts what it was asked.
 */
final class TestDnsServer implements AutoCloseable {

  private record Entry(DnsRecordType type, byte[] data) {
  }

  private final Map<String, List<Entry>> zone = new HashMap<>();
  private final AtomicInteger queries = new AtomicInteger();
  private EventLoopGroup group;
  private Channel channel;

  TestDnsServer a(String name, String address) {
    return add(name, NetUtil.createByteArrayFromIpAddressString(address).length == 4 ? DnsRecordType.A : DnsRecordType.AAAA,
        NetUtil.createByteArrayFromIpAddressString(address));
  }

  TestDnsServer srv(String name, int priority, int weight, int port, String target) {
    ByteBuf data = Unpooled.buffer();
    data.writeShort(priority).writeShort(weight).writeShort(port);
    for (String label : target.split("\\.")) {
      byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
      data.writeByte(bytes.length).writeBytes(bytes);
    }
    data.writeByte(0);
    byte[] bytes = new byte[data.readableBytes()];
    data.readBytes(bytes);
    return add(name, DnsRecordType.SRV, bytes);
  }

  private TestDnsServer add(String name, DnsRecordType type, byte[] data) {
    zone.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(new Entry(type, data));
    return this;
  }

  TestDnsServer start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    channel = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<DatagramChannel>() {
      @Override
      protected void initChannel(DatagramChannel ch) {
        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(), new SimpleChannelInboundHandler<DatagramDnsQuery>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            ctx.writeAndFlush(answer(query));
          }
        });
      }
    }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    return this;
  }

  private DatagramDnsResponse answer(DatagramDnsQuery query) {
    DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
    response.setAuthoritativeAnswer(true).setRecursionDesired(query.isRecursionDesired());
    DnsQuestion question = query.recordAt(DnsSection.QUESTION);
    response.addRecord(DnsSection.QUESTION, question);
    String name = question.name().toLowerCase(Locale.ROOT);
    List<Entry> entries = zone.get(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
    if (entries == null) {
      return response.setCode(DnsResponseCode.NXDOMAIN);
    }
    for (Entry entry : entries) {
      if (entry.type().equals(question.type())) {
        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), entry.type(), 60, Unpooled.wrappedBuffer(entry.data())));
      }
    }
    return response;
  }

  /** {@code 127.0.0.1:port}, as ronin's {@code dns_server} takes it. */
  String address() {
    return "127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort();
  }

  int queries() {
    return queries.get();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
