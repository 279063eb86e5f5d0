// Thread control for the OpenMP kernels. OpenMP's thread count is per calling thread: the JS
// thread that calls setNumThreads gets it (kernels run on the calling thread).
#pragma once

namespace ng {

int hardware_threads();
int get_num_threads();          // of the calling thread
void set_num_threads(int n);    // for the calling thread
bool openmp_enabled();

// Flush denormals to zero (MXCSR FTZ+DAZ) on the calling thread and on every thread of its
// OpenMP team. Denormal floats (e.g. Adam's first moment decaying towards 0 for parameters
// whose gradient stays 0) make float math 10-100x slower; training slowed down ~6x over a few
// thousand steps without this. Called at addon load and whenever the thread count changes.
void flush_denormals_all_threads();

}  // namespace ng
