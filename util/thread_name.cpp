#include "util/thread_name.h"

#include <pthread.h>

#include <cstring>

namespace finch::util {

void set_thread_name(const char* name) {
    char shortened[16] = {};
    std::strncpy(shortened, name, sizeof shortened - 1);
    pthread_setname_np(pthread_self(), shortened);
}

}  // namespace finch::util
