package dev.tollgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Open-loop HTTP/1.1 load generator on Netty (epoll when available: its timerfd gives
 * microsecond timer precision, NIO's selector only milliseconds).
 *
 * <p><b>Fixed rate</b> ({@link LoadSpec#ratePerSecond()} &gt; 0): each event loop owns a share of the
 * connections and an {@link ArrivalSchedule} with the same share of the rate. When a request is due
 * it goes out on an idle connection; when none is idle it waits in a queue. Either way its latency
 * is measured from its intended time, so a slow server is charged for the requests it delayed
 * (no coordinated omission). <b>Max throughput</b> (rate 0): every connection sends its next request
 * as soon as the previous answer is complete; latency then is from the actual send.
 *
 * <p>Each connection has at most one request in flight (no pipelining), like a real client pool.
 */
public final class LoadGenerator implements AutoCloseable {
    private final EventLoopGroup group;
    private final boolean epoll;
    private final int threads;

    public LoadGenerator(int threads) {
        this.threads = threads;
        this.epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("loadgen"), factory);
    }

    public String transport() {
        return epoll ? "epoll" : "nio";
    }

    /** Runs one load point to its end (warm-up + window + drain) and returns what it measured. */
    public LoadResult run(LoadSpec spec) throws InterruptedException {
        return run(spec, () -> {});
    }

    /**
     * As {@link #run(LoadSpec)}, with {@code atWindowStart} run (on a thread of its own) when the
     * measurement window begins, e.g. to mark the target's GC log.
     */
    public LoadResult run(LoadSpec spec, Runnable atWindowStart) throws InterruptedException {
        if (spec.halfStreaming()) {
            throw new IllegalArgumentException("a half-streaming mix needs wrk (WrkRunner)");
        }
        RequestTemplates templates = new RequestTemplates(spec);
        int workerCount = Math.min(threads, spec.connections());
        List<Worker> workers = new ArrayList<>();
        Iterator<EventExecutor> loops = group.iterator();
        for (int w = 0; w < workerCount; w++) {
            int conns = spec.connections() / workerCount + (w < spec.connections() % workerCount ? 1 : 0);
            workers.add(new Worker(w, workerCount, (EventLoop) loops.next(), spec, templates, conns));
        }
        for (Worker w : workers) {
            w.connect();
        }
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        long windowStart = start + spec.warmup().toNanos();
        long windowEnd = windowStart + spec.duration().toNanos();
        CountDownLatch done = new CountDownLatch(workers.size());
        for (int w = 0; w < workers.size(); w++) {
            Worker worker = workers.get(w);
            // Stagger the schedules so the loops' arrivals interleave evenly.
            long offset = spec.maxThroughput() ? 0 : (long) (1e9 / spec.ratePerSecond() * w);
            worker.loop.execute(() -> worker.start(start + offset, windowStart, windowEnd, done));
        }
        Thread windowMark = new Thread(
                () -> {
                    long wait = windowStart - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    atWindowStart.run();
                },
                "window-start");
        windowMark.setDaemon(true);
        windowMark.start();
        long drainDeadline = windowEnd + spec.drainTimeout().toNanos();
        long waitNanos = drainDeadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        done.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        LatencyRecorder total = new LatencyRecorder();
        long inWindow = 0;
        long all = 0;
        int maxInFlight = 0;
        for (Worker w : workers) {
            CountDownLatch finished = new CountDownLatch(1);
            w.loop.execute(() -> {
                w.giveUp(drainDeadline);
                finished.countDown();
            });
            finished.await(5, TimeUnit.SECONDS);
            total.add(w.recorder);
            inWindow += w.completedInWindow;
            all += w.completedTotal;
            maxInFlight += w.maxInFlight;
        }
        for (Worker w : workers) {
            w.closeAll();
        }
        windowMark.join();
        return new LoadResult(spec, total, inWindow, all, spec.duration().toNanos() / 1e9, maxInFlight);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The connections, schedule and recorder of one event loop. Every method runs on {@link #loop}. */
    private final class Worker {
        final int index;
        final int stride;
        final EventLoop loop;
        final LoadSpec spec;
        final RequestTemplates templates;
        final int connectionCount;
        final List<Conn> conns = new ArrayList<>();
        final ArrayDeque<Conn> idle = new ArrayDeque<>();
        final LongQueue pending = new LongQueue();
        final LatencyRecorder recorder = new LatencyRecorder();
        ArrivalSchedule schedule;
        long windowStart;
        long windowEnd;
        long sent;
        long completedInWindow;
        long completedTotal;
        int inFlight;
        int maxInFlight;
        boolean generating;
        boolean finished;
        CountDownLatch done;

        Worker(int index, int stride, EventLoop loop, LoadSpec spec, RequestTemplates templates, int connectionCount) {
            this.index = index;
            this.stride = stride;
            this.loop = loop;
            this.spec = spec;
            this.templates = templates;
            this.connectionCount = connectionCount;
        }

        void connect() throws InterruptedException {
            for (int i = 0; i < connectionCount; i++) {
                Conn c = new Conn(this);
                c.channel =
                        bootstrap(c).connect(spec.host(), spec.port()).sync().channel();
                conns.add(c);
            }
            CountDownLatch ready = new CountDownLatch(1);
            loop.execute(() -> {
                idle.addAll(conns);
                ready.countDown();
            });
            ready.await();
        }

        Bootstrap bootstrap(Conn c) {
            return new Bootstrap()
                    .group(loop)
                    .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpResponseDecoder(), new ResponseHandler(c));
                        }
                    });
        }

        void start(long startNanos, long windowStart, long windowEnd, CountDownLatch done) {
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.done = done;
            this.generating = true;
            if (spec.maxThroughput()) {
                long delay = startNanos - System.nanoTime();
                loop.schedule(
                        () -> {
                            while (!idle.isEmpty()) {
                                send(idle.poll(), System.nanoTime());
                            }
                        },
                        Math.max(0, delay),
                        TimeUnit.NANOSECONDS);
            } else {
                double share = spec.ratePerSecond() * connectionCount / spec.connections();
                schedule = new ArrivalSchedule(startNanos, share);
                tick();
            }
        }

        void tick() {
            if (finished) {
                return;
            }
            long now = System.nanoTime();
            while (schedule.peek() <= now && schedule.peek() < windowEnd) {
                pending.add(schedule.take());
            }
            dispatch();
            if (schedule.peek() < windowEnd) {
                loop.schedule(this::tick, Math.max(0, schedule.peek() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } else {
                generating = false;
                maybeDone();
            }
        }

        void dispatch() {
            while (!pending.isEmpty() && !idle.isEmpty()) {
                send(idle.poll(), pending.poll());
            }
        }

        void send(Conn c, long intended) {
            long now = System.nanoTime();
            c.intended = intended;
            c.firstByte = 0;
            c.status = 0;
            c.busy = true;
            inFlight++;
            if (inFlight > maxInFlight) {
                maxInFlight = inFlight;
            }
            if (intended >= windowStart && intended < windowEnd) {
                recorder.recordSendLag(now - intended);
            }
            byte[] bytes = templates.request(sent++ * stride + index);
            c.channel.writeAndFlush(Unpooled.wrappedBuffer(bytes), c.channel.voidPromise());
        }

        void completed(Conn c, boolean ok, boolean keepAlive) {
            long now = System.nanoTime();
            c.busy = false;
            inFlight--;
            completedTotal++;
            if (now >= windowStart && now < windowEnd) {
                completedInWindow++;
            }
            if (c.intended >= windowStart && c.intended < windowEnd) {
                if (ok) {
                    recorder.recordOk(c.intended, c.firstByte, now);
                } else {
                    recorder.recordError();
                }
            }
            if (!keepAlive) {
                c.channel.close();
                return;
            }
            afterFree(c);
        }

        void afterFree(Conn c) {
            if (finished) {
                return;
            }
            if (spec.maxThroughput()) {
                long now = System.nanoTime();
                if (now < windowEnd) {
                    send(c, now);
                    return;
                }
                generating = false;
                idle.add(c);
                maybeDone();
                return;
            }
            idle.add(c);
            dispatch();
            maybeDone();
        }

        void lost(Conn c) {
            if (c.busy) {
                c.busy = false;
                inFlight--;
                completedTotal++;
                if (c.intended >= windowStart && c.intended < windowEnd) {
                    recorder.recordError();
                }
            }
            conns.remove(c);
            if (finished || System.nanoTime() >= windowEnd) {
                maybeDone();
                return;
            }
            // Replace the connection (a server may close after N requests).
            Conn fresh = new Conn(this);
            bootstrap(fresh).connect(spec.host(), spec.port()).addListener(f -> {
                if (f.isSuccess()) {
                    fresh.channel = ((ChannelFuture) f).channel();
                    conns.add(fresh);
                    afterFree(fresh);
                }
            });
        }

        void maybeDone() {
            if (done != null && !generating && pending.isEmpty() && inFlight == 0 && !finished) {
                finished = true;
                done.countDown();
            }
        }

        /** Ends the run: whatever is still queued or in flight counts as a timeout. */
        void giveUp(long deadline) {
            if (!finished) {
                finished = true;
                done.countDown();
            }
            while (!pending.isEmpty()) {
                long intended = pending.poll();
                if (intended >= windowStart && intended < windowEnd) {
                    recorder.recordTimeout(intended, Math.max(deadline, System.nanoTime()));
                }
            }
            for (Conn c : conns) {
                if (c.busy && c.intended >= windowStart && c.intended < windowEnd) {
                    recorder.recordTimeout(c.intended, Math.max(deadline, System.nanoTime()));
                    c.busy = false;
                }
            }
        }

        void closeAll() throws InterruptedException {
            for (Conn c : new ArrayList<>(conns)) {
                if (c.channel != null) {
                    c.closing = true;
                    c.channel.close().await(2, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** One keep-alive connection and its request in flight. */
    private static final class Conn {
        final Worker worker;
        Channel channel;
        long intended;
        long firstByte;
        int status;
        boolean keepAlive;
        boolean busy;
        boolean closing;

        Conn(Worker worker) {
            this.worker = worker;
        }
    }

    private static final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {
        private final Conn conn;

        ResponseHandler(Conn conn) {
            this.conn = conn;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                conn.status = r.status().code();
                conn.keepAlive = HttpUtil.isKeepAlive(r);
            }
            if (msg instanceof HttpContent c) {
                if (conn.firstByte == 0 && c.content().isReadable()) {
                    conn.firstByte = System.nanoTime();
                }
                if (msg instanceof LastHttpContent && conn.busy) {
                    conn.worker.completed(
                            conn, conn.status == 200 && !msg.decoderResult().isFailure(), conn.keepAlive);
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!conn.closing) {
                conn.worker.lost(conn);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** A growable FIFO of longs (intended send times), without boxing. */
    static final class LongQueue {
        private long[] items = new long[1024];
        private int head;
        private int size;

        void add(long v) {
            if (size == items.length) {
                long[] bigger = new long[items.length * 2];
                for (int i = 0; i < size; i++) {
                    bigger[i] = items[(head + i) % items.length];
                }
                items = bigger;
                head = 0;
            }
            items[(head + size) % items.length] = v;
            size++;
        }

        long poll() {
            long v = items[head];
            head = (head + 1) % items.length;
            size--;
            return v;
        }

        boolean isEmpty() {
            return size == 0;
        }
    }
}
