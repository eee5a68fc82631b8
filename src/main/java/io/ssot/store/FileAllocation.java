package io.ssot.store;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates the blocks of a file for real before it is memory-mapped. A store written through a
 * mapping never sees a write fail: a page of a sparse file (what {@code setLength} or mapping
 * past the end make) gets its block only when it is first touched, and on a full disk that
 * fault is a SIGBUS, which the JVM reports later, in whatever code runs next, as an
 * {@code InternalError}. With the blocks allocated up front, running out of space is an
 * {@link DiskFull} exception at a point the store chose, before anything was written.
 *
 * <p>{@code posix_fallocate(3)} through JNA (a dependency of Chronicle Map): a metadata
 * operation on ext4, xfs and tmpfs, and glibc falls back to writing zeros where the file system
 * lacks {@code fallocate(2)}. Without JNA, zeros are written past the current end (the file
 * never has a hole, only a shorter length). Copy-on-write file systems (btrfs, zfs) can still
 * fail a later overwrite; they are not supported for the data directory.
 */
final class FileAllocation {

  private static final Logger LOG = LoggerFactory.getLogger(FileAllocation.class);

  private static final int ENOSPC = 28;
  private static final int EDQUOT = 122;

  /** No space left (ENOSPC or quota): the file is as it was before the call. */
  static final class DiskFull extends IOException {
    final long bytes;

    DiskFull(Path file, long bytes) {
      super("no space left to allocate " + bytes + " bytes for " + file);
      this.bytes = bytes;
    }
  }

  private interface LibC extends Library {
    int posix_fallocate(int fd, long offset, long length);

    /** Exported by glibc from 2.33 on; older versions lack it (then every call allocates). */
    int fstat(int fd, long[] stat);
  }

  /**
   * Where {@code st_size} and {@code st_blocks} are in {@code struct stat}, in longs: bytes 48
   * and 64 on x86-64 and aarch64; on other architectures the check is off.
   */
  private static final boolean STAT_LAYOUT_KNOWN = Set.of("amd64", "x86_64", "aarch64")
      .contains(System.getProperty("os.arch"));
  private static final int ST_SIZE = 6;
  private static final int ST_BLOCKS = 8;
  private static final int STAT_LONGS = 32; // larger than struct stat on any 64-bit port

  private static final LibC LIBC = loadLibC();
  private static final Field FD = fdField();

  private FileAllocation() {
  }

  private static LibC loadLibC() {
    try {
      return Native.load("c", LibC.class);
    } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError: no native access here
      LOG.warn("posix_fallocate is not available ({}); file space is allocated by writing zeros", e.toString());
      return null;
    }
  }

  private static Field fdField() {
    try {
      Field field = FileDescriptor.class.getDeclaredField("fd");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Makes sure bytes {@code [0, length)} of {@code file} have blocks on disk, growing the file to
   * {@code length} if it is shorter (never shrinking it).
   *
   * @throws DiskFull when the file system has no room for them
   */
  static void allocate(Path file, long length) throws IOException {
    if (length <= 0) {
      return; // posix_fallocate refuses an empty range; an empty file has nothing to allocate
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      int fd = nativeFd(raf.getFD());
      if (LIBC != null && fd >= 0) {
        int error = LIBC.posix_fallocate(fd, 0, length);
        if (error == ENOSPC || error == EDQUOT) {
          throw new DiskFull(file, length);
        }
        if (error != 0) {
          throw new IOException("posix_fallocate of " + length + " bytes for " + file + " failed with errno " + error);
        }
        return;
      }
      writeZeros(raf.getChannel(), file, length);
    }
  }

  /**
   * {@link #allocate} for a file that is only read: nothing is done when every byte of it already
   * has a block ({@code st_blocks} covers its size), which is the case for every file this
   * version wrote. Only a file written sparse (by an older version) is allocated: on tmpfs even
   * reading a hole through a mapping needs a page. On file systems that count indirect blocks
   * in {@code st_blocks} (ext2/3), a small hole may go unnoticed, but there reading a hole takes
   * no space.
   */
  static void allocateIfSparse(Path file, long length) throws IOException {
    if (length <= 0) {
      return;
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      if (fullyAllocated(raf, length)) {
        return;
      }
    }
    allocate(file, length);
  }

  /** Whether the file is known to have a block for each of its {@code length} bytes; false when unknown. */
  private static boolean fullyAllocated(RandomAccessFile raf, long length) throws IOException {
    int fd = nativeFd(raf.getFD());
    if (LIBC == null || fd < 0 || !STAT_LAYOUT_KNOWN) {
      return false;
    }
    long[] stat = new long[STAT_LONGS];
    try {
      if (LIBC.fstat(fd, stat) != 0) {
        return false;
      }
    } catch (UnsatisfiedLinkError e) { // a glibc without an exported fstat
      return false;
    }
    // The size read must be the file's, or the layout is not the one assumed.
    long size = stat[ST_SIZE];
    return size == raf.length() && size >= length && stat[ST_BLOCKS] * 512 >= size;
  }

  private static int nativeFd(FileDescriptor descriptor) {
    try {
      return FD == null ? -1 : FD.getInt(descriptor);
    } catch (IllegalAccessException e) {
      return -1;
    }
  }

  private static void writeZeros(FileChannel ch, Path file, long length) throws IOException {
    long start = ch.size();
    ByteBuffer zeros = ByteBuffer.allocate(64 << 10);
    try {
      for (long pos = start; pos < length; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), length - pos));
        pos += ch.write(zeros, pos);
      }
    } catch (IOException e) {
      ch.truncate(start);
      if (String.valueOf(e.getMessage()).contains("No space left") || String.valueOf(e.getMessage()).contains("quota")) {
        throw new DiskFull(file, length);
      }
      throw e;
    }
  }
}
