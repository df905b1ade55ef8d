package io.kos.node;

import io.kos.node.config.ConfigException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive OS lock on {@code <data_dir>/node.lock}, held for the life of the process, so two
 * nodes never share a data dir. The OS drops it when the process dies, even by kill -9, so holding
 * it also proves that anything left running in the data dir is an orphan.
 */
final class DataDirLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DataDirLock acquire(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      FileChannel channel = FileChannel.open(dataDir.resolve("node.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by another node in this same JVM
      }
      if (lock == null) {
        channel.close();
        throw new ConfigException("data dir " + dataDir + " is in use by another running node");
      }
      return new DataDirLock(channel, lock);
    } catch (IOException e) {
      throw new ConfigException("data dir " + dataDir + " is not usable: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the OS releases the lock with the process anyway
    }
  }
}
