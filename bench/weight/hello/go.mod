module example.com/weight/hello

go 1.24
