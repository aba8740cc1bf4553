import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch node for the tests: `java OpenSearchNode <basePath> <httpPort>`. The runner's own
 * main hides why a start failed (it exits 1 in silence) and picks its port itself; this one binds
 * loopback on the port it is given, prints the failure, and prints `ready <port>` once the cluster
 * is yellow. It runs until killed; a shutdown hook closes the node.
 */
public final class OpenSearchNode {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OpenSearchNode <basePath> <httpPort>");
      System.exit(2);
    }
    final String basePath = args[0];
    final int port = Integer.parseInt(args[1]);
    final OpenSearchRunner runner = new OpenSearchRunner();
    // The runner takes the first free port above baseHttpPort, up to this bound (9299 by default).
    runner.setMaxHttpPort(port);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        e.printStackTrace();
      }
    }));
    try {
      runner.onBuild((index, settings) -> {
        settings.put("network.host", "127.0.0.1");
        settings.put("http.port", String.valueOf(port));
        settings.put("transport.port", "0");
        settings.put("discovery.type", "single-node");
        settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
        settings.put("action.auto_create_index", "false");
      }).build(new OpenSearchRunner.Configs()
          .basePath(basePath)
          .numOfNode(1)
          .baseHttpPort(port - 1)
          .clusterName("mammut-test")
          .printOnFailure());
      runner.ensureYellow();
    } catch (Throwable e) {
      e.printStackTrace();
      System.exit(1);
    }
    System.out.println("ready " + port);
    System.out.flush();
    while (!runner.isClosed()) Thread.sleep(5000);
  }
}
